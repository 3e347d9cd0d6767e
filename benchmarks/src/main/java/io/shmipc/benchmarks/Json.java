package io.shmipc.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a tree of {@link Map}s (in their iteration order), {@link List}s, strings, numbers, booleans and nulls as
 * indented JSON. Non-finite doubles are written as {@code null}, since JSON has no NaN.
 */
final class Json
{
    private Json()
    {
    }

    /**
     * @throws UncheckedIOException if the file cannot be written (its directory is created if missing).
     */
    static void write(final Path file, final Object tree)
    {
        try
        {
            final Path parent = file.toAbsolutePath().getParent();
            if (null != parent)
            {
                Files.createDirectories(parent);
            }
            Files.writeString(file, toJson(tree) + "\n", StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write JSON to " + file + ": " + ex, ex);
        }
    }

    static String toJson(final Object tree)
    {
        final StringBuilder sb = new StringBuilder();
        append(sb, tree, "");
        return sb.toString();
    }

    private static void append(final StringBuilder sb, final Object value, final String indent)
    {
        if (value instanceof Map)
        {
            final Map<?, ?> map = (Map<?, ?>)value;
            if (map.isEmpty())
            {
                sb.append("{}");
                return;
            }
            sb.append("{\n");
            String separator = "";
            for (final Map.Entry<?, ?> e : map.entrySet())
            {
                sb.append(separator).append(indent).append("  ");
                string(sb, String.valueOf(e.getKey()));
                sb.append(": ");
                append(sb, e.getValue(), indent + "  ");
                separator = ",\n";
            }
            sb.append('\n').append(indent).append('}');
        }
        else if (value instanceof List)
        {
            final List<?> list = (List<?>)value;
            if (list.isEmpty())
            {
                sb.append("[]");
                return;
            }
            sb.append("[\n");
            String separator = "";
            for (final Object item : list)
            {
                sb.append(separator).append(indent).append("  ");
                append(sb, item, indent + "  ");
                separator = ",\n";
            }
            sb.append('\n').append(indent).append(']');
        }
        else if (value instanceof Double || value instanceof Float)
        {
            final double d = ((Number)value).doubleValue();
            sb.append(Double.isFinite(d) ? Double.toString(d) : "null");
        }
        else if (value instanceof Number || value instanceof Boolean)
        {
            sb.append(value);
        }
        else if (null == value)
        {
            sb.append("null");
        }
        else
        {
            string(sb, value.toString());
        }
    }

    private static void string(final StringBuilder sb, final String s)
    {
        sb.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
