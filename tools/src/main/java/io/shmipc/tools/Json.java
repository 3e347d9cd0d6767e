package io.shmipc.tools;

import com.fasterxml.jackson.jr.ob.JSON;
import com.fasterxml.jackson.jr.ob.JSONComposer;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The tools' {@code --json} output: one document on one line, composed with jackson-jr's streaming composer, which
 * escapes strings and keeps fields in the order they are put. Stateless and thread safe.
 */
final class Json
{
    /**
     * Writes one document into the composer it is given.
     */
    @FunctionalInterface
    interface Document
    {
        /**
         * @param json the composer of the document, before its top-level value.
         * @throws IOException as jackson-jr's composer declares it; never for a document composed in memory.
         */
        void compose(JSONComposer<String> json) throws IOException;
    }

    private Json()
    {
    }

    /**
     * @param document writes exactly one top-level value.
     * @return the document as one line of JSON.
     */
    static String compose(final Document document)
    {
        try
        {
            final JSONComposer<String> json = JSON.std.composeString();
            document.compose(json);
            return json.finish();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("composing JSON in memory failed: " + ex, ex);
        }
    }
}
