package io.shmipc.tools;

/**
 * A minimal streaming JSON writer for the tools' {@code --json} output: objects, arrays, strings, numbers,
 * booleans and null, in one line, with the separators managed for the caller. Not thread safe.
 * <p>
 * Nesting errors (a field outside an object, an unbalanced end) throw {@link IllegalStateException}: they are
 * programming errors, never caused by the data.
 */
final class Json
{
    private final StringBuilder text = new StringBuilder(1024);
    private final boolean[] needsComma = new boolean[32];
    private final boolean[] inObject = new boolean[32];
    private int depth;
    private boolean afterName;

    Json beginObject()
    {
        return open('{', true);
    }

    Json endObject()
    {
        return close('}', true);
    }

    Json beginArray()
    {
        return open('[', false);
    }

    Json endArray()
    {
        return close(']', false);
    }

    /**
     * Start a field of the current object; the next value written is its value.
     */
    Json name(final String name)
    {
        if (0 == depth || !inObject[depth - 1] || afterName)
        {
            throw new IllegalStateException("field name \"" + name + "\" outside an object");
        }
        separate();
        string(name);
        text.append(':');
        afterName = true;
        return this;
    }

    Json value(final String value)
    {
        beforeValue();
        if (null == value)
        {
            text.append("null");
        }
        else
        {
            string(value);
        }
        return this;
    }

    Json value(final long value)
    {
        beforeValue();
        text.append(value);
        return this;
    }

    /** Finite doubles as numbers; NaN and infinities as null, which strict JSON requires. */
    Json value(final double value)
    {
        beforeValue();
        if (Double.isFinite(value))
        {
            text.append(value);
        }
        else
        {
            text.append("null");
        }
        return this;
    }

    Json value(final boolean value)
    {
        beforeValue();
        text.append(value);
        return this;
    }

    Json nullValue()
    {
        beforeValue();
        text.append("null");
        return this;
    }

    Json field(final String name, final String value)
    {
        return name(name).value(value);
    }

    Json field(final String name, final long value)
    {
        return name(name).value(value);
    }

    Json field(final String name, final double value)
    {
        return name(name).value(value);
    }

    Json field(final String name, final boolean value)
    {
        return name(name).value(value);
    }

    /**
     * @return the document written so far.
     * @throws IllegalStateException if an object or array is still open.
     */
    String toJson()
    {
        if (0 != depth)
        {
            throw new IllegalStateException("unclosed object or array at depth " + depth);
        }
        return text.toString();
    }

    private Json open(final char bracket, final boolean object)
    {
        beforeValue();
        if (depth == needsComma.length)
        {
            throw new IllegalStateException("nesting deeper than " + needsComma.length);
        }
        text.append(bracket);
        needsComma[depth] = false;
        inObject[depth] = object;
        depth++;
        return this;
    }

    private Json close(final char bracket, final boolean object)
    {
        if (0 == depth || inObject[depth - 1] != object || afterName)
        {
            throw new IllegalStateException("unbalanced '" + bracket + "'");
        }
        depth--;
        text.append(bracket);
        return this;
    }

    private void beforeValue()
    {
        if (afterName)
        {
            afterName = false;
            return;
        }
        if (depth > 0)
        {
            if (inObject[depth - 1])
            {
                throw new IllegalStateException("value inside an object without a field name");
            }
            separate();
        }
        else if (text.length() > 0)
        {
            throw new IllegalStateException("a second top-level value");
        }
    }

    private void separate()
    {
        if (needsComma[depth - 1])
        {
            text.append(',');
        }
        needsComma[depth - 1] = true;
    }

    private void string(final String s)
    {
        text.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"': text.append("\\\""); break;
                case '\\': text.append("\\\\"); break;
                case '\n': text.append("\\n"); break;
                case '\r': text.append("\\r"); break;
                case '\t': text.append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        text.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        text.append(c);
                    }
            }
        }
        text.append('"');
    }
}
