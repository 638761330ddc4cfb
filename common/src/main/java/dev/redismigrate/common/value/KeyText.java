package dev.redismigrate.common.value;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A key as text for reports: valid UTF-8 stays as it is, but for backslash ({@code \\}) and control
 * characters ({@code \xHH}); a key that is not UTF-8 has every byte outside printable ASCII escaped
 * ({@code \xHH}). The escaping is unambiguous, as backslash itself is escaped.
 */
public final class KeyText {
    private KeyText() {
    }

    public static String of(byte[] key) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        StringBuilder out = new StringBuilder(key.length + 8);
        try {
            CharBuffer chars = utf8.decode(ByteBuffer.wrap(key));
            while (chars.hasRemaining()) {
                char c = chars.get();
                if (c == '\\') {
                    out.append("\\\\");
                } else if (c < 0x20 || c == 0x7f) {
                    hex(out, c);
                } else {
                    out.append(c);
                }
            }
        } catch (CharacterCodingException notUtf8) {
            out.setLength(0);
            for (byte b : key) {
                int v = b & 0xff;
                if (v == '\\') {
                    out.append("\\\\");
                } else if (v < 0x20 || v >= 0x7f) {
                    hex(out, v);
                } else {
                    out.append((char) v);
                }
            }
        }
        return out.toString();
    }

    private static void hex(StringBuilder out, int v) {
        out.append("\\x").append(Character.forDigit(v >> 4, 16)).append(Character.forDigit(v & 0xf, 16));
    }
}
