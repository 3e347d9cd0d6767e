package io.shmipc.benchmarks;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.jr.ob.JSON;
import com.fasterxml.jackson.jr.ob.JacksonJrExtension;
import com.fasterxml.jackson.jr.ob.api.ExtensionContext;
import com.fasterxml.jackson.jr.ob.api.ReaderWriterProvider;
import com.fasterxml.jackson.jr.ob.api.ValueWriter;
import com.fasterxml.jackson.jr.ob.impl.JSONWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a benchmark's result, a tree of records, lists, maps, strings, numbers and booleans, as indented JSON with
 * jackson-jr. A record is an object whose fields are its components in declaration order; a component that is null
 * is left out, a component marked {@link Inline} has its own fields (a record's components or a map's entries)
 * written in its place, and a double that is NaN or infinite is written as {@code null}, since JSON has neither.
 * Thread safe.
 */
final class Json
{
    /**
     * Marks a record component whose fields are written into the enclosing object, as if declared there.
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    @interface Inline
    {
    }

    private static final JSON WRITER = JSON.builder()
        .register(new RecordsExtension())
        .build()
        .with(JSON.Feature.PRETTY_PRINT_OUTPUT);

    private Json()
    {
    }

    /**
     * @throws UncheckedIOException if the file cannot be written (its directory is created if missing).
     */
    static void write(final Path file, final Record result)
    {
        try
        {
            final Path parent = file.toAbsolutePath().getParent();
            if (null != parent)
            {
                Files.createDirectories(parent);
            }
            Files.writeString(file, toJson(result) + "\n", StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write JSON to " + file + ": " + ex, ex);
        }
    }

    /**
     * @return the value as indented JSON.
     */
    static String toJson(final Object value)
    {
        try
        {
            return WRITER.asString(value);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write " + value.getClass().getSimpleName() + " as JSON: " + ex, ex);
        }
    }

    private static final class RecordsExtension extends JacksonJrExtension
    {
        protected void register(final ExtensionContext context)
        {
            context.insertProvider(new ReaderWriterProvider()
            {
                public ValueWriter findValueWriter(final JSONWriter writer, final Class<?> type)
                {
                    if (type.isRecord())
                    {
                        return new RecordWriter(type);
                    }
                    return Double.class == type ? new FiniteWriter() : null;
                }
            });
        }
    }

    private static final class RecordWriter implements ValueWriter
    {
        private final Class<?> type;

        RecordWriter(final Class<?> type)
        {
            this.type = type;
        }

        public void writeValue(final JSONWriter context, final JsonGenerator generator, final Object value)
            throws IOException
        {
            generator.writeStartObject();
            writeFields(context, generator, value);
            generator.writeEndObject();
        }

        public Class<?> valueType()
        {
            return type;
        }

        private static void writeFields(final JSONWriter context, final JsonGenerator generator, final Object value)
            throws IOException
        {
            if (value instanceof Map<?, ?> map)
            {
                for (final Map.Entry<?, ?> e : map.entrySet())
                {
                    writeField(context, generator, String.valueOf(e.getKey()), e.getValue());
                }
                return;
            }
            for (final RecordComponent component : value.getClass().getRecordComponents())
            {
                final Object field = read(component, value);
                if (null == field)
                {
                    continue;
                }
                if (component.isAnnotationPresent(Inline.class))
                {
                    writeFields(context, generator, field);
                }
                else
                {
                    writeField(context, generator, component.getName(), field);
                }
            }
        }

        private static void writeField(final JSONWriter context, final JsonGenerator generator, final String name,
            final Object field) throws IOException
        {
            generator.writeFieldName(name);
            context.writeValue(field);
        }

        private static Object read(final RecordComponent component, final Object record)
        {
            final Method accessor = component.getAccessor();
            try
            {
                accessor.setAccessible(true);
                return accessor.invoke(record);
            }
            catch (final IllegalAccessException | InvocationTargetException ex)
            {
                throw new IllegalStateException("cannot read " + record.getClass().getSimpleName() + "." +
                    component.getName() + ": " + ex, ex);
            }
        }
    }

    private static final class FiniteWriter implements ValueWriter
    {
        public void writeValue(final JSONWriter context, final JsonGenerator generator, final Object value)
            throws IOException
        {
            final double d = (Double)value;
            if (Double.isFinite(d))
            {
                generator.writeNumber(d);
            }
            else
            {
                generator.writeNull();
            }
        }

        public Class<?> valueType()
        {
            return Double.class;
        }
    }
}
