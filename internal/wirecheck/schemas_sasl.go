package wirecheck

import "math"

// Request schemas of SASL authentication, after Kafka's message
// definitions (clients/src/main/resources/common/message/*Request.json).
// The names are kmsg's, which spells SASL in capitals.

var saslHandshakeRequest = message{key: 17, name: "SASLHandshake", max: 1, flexible: math.MaxInt16, fields: []field{
	f("Mechanism", tString, always),
}}

var saslAuthenticateRequest = message{key: 36, name: "SASLAuthenticate", max: 2, flexible: 2, fields: []field{
	f("AuthBytes", tBytes, always),
}}
