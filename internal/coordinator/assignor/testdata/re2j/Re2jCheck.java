import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Prints RE2/J's verdict on each regular expression of verdicts.txt, as
 * Kafka's group coordinator compiles a SubscribedTopicRegex
 * (Pattern.compile) and resolves it (matcher(topic).matches()).
 *
 * <pre>
 * javac -cp re2j-1.8.jar Re2jCheck.java
 * grep -v '^#' verdicts.txt | java -cp re2j-1.8.jar:. Re2jCheck
 * </pre>
 *
 * Reads lines whose first tab-separated field is the expression as hex
 * UTF-8; prints "ok " and one digit per name of NAMES (1 if the whole name
 * matches), or "err " and the PatternSyntaxException's description.
 */
public class Re2jCheck {
  static final String[] NAMES = {
    "orders", "orders-v2", "reorders", "Orders", "a", "ab", "abc",
    "__consumer_offsets", "topic.1", "x_y-z", "aaa", "0123", "A.B", "o",
  };

  public static void main(String[] args) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(new BufferedOutputStream(System.out), false, "UTF-8");
    String line;
    while ((line = in.readLine()) != null) {
      String field = line.split("\t", 2)[0];
      byte[] b = new byte[field.length() / 2];
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) Integer.parseInt(field.substring(2 * i, 2 * i + 2), 16);
      }
      String expr = new String(b, StandardCharsets.UTF_8);
      try {
        Pattern p = Pattern.compile(expr);
        StringBuilder sb = new StringBuilder("ok ");
        for (String n : NAMES) {
          sb.append(p.matcher(n).matches() ? '1' : '0');
        }
        out.println(sb);
      } catch (PatternSyntaxException e) {
        out.println("err " + e.getDescription());
      }
    }
    out.flush();
  }
}
