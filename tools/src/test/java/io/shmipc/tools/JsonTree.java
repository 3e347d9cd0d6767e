package io.shmipc.tools;

import com.fasterxml.jackson.jr.ob.JSON;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The tests' view of a command's {@code --json} output: parsed by jackson-jr into maps (in document order), lists,
 * strings, numbers, booleans and nulls, with accessors that fail the test naming the field when it is missing or
 * of another type.
 */
final class JsonTree
{
    private JsonTree()
    {
    }

    /**
     * @return the object the text holds; the test fails if it is not exactly one JSON object.
     */
    static Map<String, Object> parse(final String text)
    {
        try
        {
            return JSON.std.mapFrom(text);
        }
        catch (final IOException ex)
        {
            return fail("not one JSON object (" + ex.getMessage() + "):\n" + text);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(final Map<String, Object> parent, final String key)
    {
        final Object value = parent.get(key);
        assertTrue(value instanceof Map, () -> key + " is an object: " + value + " in " + parent);
        return (Map<String, Object>)value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> array(final Map<String, Object> parent, final String key)
    {
        final Object value = parent.get(key);
        assertTrue(value instanceof List, () -> key + " is an array: " + value + " in " + parent);
        return (List<Object>)value;
    }

    /**
     * @return the array's elements, each asserted to be an object.
     */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> objects(final Map<String, Object> parent, final String key)
    {
        final List<Object> list = array(parent, key);
        list.forEach(e -> assertTrue(e instanceof Map, () -> key + " holds objects: " + e));
        return (List<Map<String, Object>>)(List<?>)list;
    }

    /**
     * @return the element of the array whose {@code name} is the one given; the test fails if there is none.
     */
    static Map<String, Object> named(final Map<String, Object> parent, final String key, final String name)
    {
        for (final Map<String, Object> element : objects(parent, key))
        {
            if (name.equals(element.get("name")))
            {
                return element;
            }
        }
        return fail("no " + key + " element named " + name + " in " + parent);
    }

    /**
     * @return the field as a whole number; the test fails if it is not one.
     */
    static long integer(final Map<String, Object> parent, final String key)
    {
        final Object value = parent.get(key);
        assertTrue(value instanceof Integer || value instanceof Long, () -> key + " is an integer: " + value +
            " in " + parent);
        return ((Number)value).longValue();
    }

    /**
     * @return the field as a number (whole or not); the test fails if it is not one.
     */
    static double number(final Map<String, Object> parent, final String key)
    {
        final Object value = parent.get(key);
        assertTrue(value instanceof Number, () -> key + " is a number: " + value + " in " + parent);
        return ((Number)value).doubleValue();
    }

    /**
     * @return the field as a string; the test fails if it is another type (null included).
     */
    static String string(final Map<String, Object> parent, final String key)
    {
        final Object value = parent.get(key);
        assertTrue(value instanceof String, () -> key + " is a string: " + value + " in " + parent);
        return (String)value;
    }

    /**
     * Fails the test unless the field is present and null.
     */
    static void assertNullField(final Map<String, Object> parent, final String key)
    {
        assertTrue(parent.containsKey(key), () -> key + " is present in " + parent);
        assertEquals(null, parent.get(key), () -> key + " is null in " + parent);
    }
}
