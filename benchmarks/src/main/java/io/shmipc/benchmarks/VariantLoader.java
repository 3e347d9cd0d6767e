package io.shmipc.benchmarks;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Loads each variant of a round-method run in a class loader of its own, child first for our classes
 * ({@code io.shmipc.*}) and Agrona's ({@code org.agrona.*}), so that each variant's hot loop has its own JIT profile:
 * with one shared copy, the ring calls of the ping-pong loop would see two or three ring types (and both branches of
 * the header-polling switch) and be compiled for all of them, which is not what an application with one ring type
 * runs. Everything else (HdrHistogram, JNA, picocli, the JDK) and {@link RoundVariant} come from the parent, so
 * histograms pass between the loaders as they are.
 */
final class VariantLoader extends URLClassLoader
{
    static
    {
        registerAsParallelCapable();
    }

    private VariantLoader(final String name, final URL[] urls, final ClassLoader parent)
    {
        super(name, urls, parent);
    }

    /**
     * Create a variant in a new loader: {@link VariantFactory#create(Map)} of that loader.
     *
     * @param name      the loader's name, for stack traces.
     * @param options   the variant's settings, see {@link VariantFactory}.
     * @param classPath where the variant's own classes ({@code io.shmipc.*}, {@code org.agrona.*}) come from: a jar
     *                  of another build (a baseline), or null for this JVM's class path.
     * @throws IllegalStateException if the variant cannot be created (with the cause).
     */
    static RoundVariant create(final String name, final Map<String, String> options, final String classPath)
    {
        final VariantLoader loader = null == classPath ? newLoader(name) : new VariantLoader(name,
            new URL[]{url(classPath)}, VariantLoader.class.getClassLoader());
        try
        {
            final Class<?> factory = Class.forName(VariantFactory.class.getName(), true, loader);
            return (RoundVariant)factory.getMethod("create", Map.class).invoke(null, options);
        }
        catch (final InvocationTargetException ex)
        {
            final Throwable cause = ex.getCause();
            if (cause instanceof RuntimeException)
            {
                throw (RuntimeException)cause;
            }
            throw new IllegalStateException("cannot create variant " + name + ": " + cause, cause);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new IllegalStateException("cannot create variant " + name + ": " + ex, ex);
        }
    }

    /**
     * @param first a class path entry searched before this JVM's class path (another build's jar).
     * @return a new loader over {@code first} and then this JVM's class path: our classes and Agrona's that
     * {@code first} has come from it, the others from this build.
     */
    static VariantLoader over(final String name, final String first)
    {
        final URL[] rest = classPath();
        final URL[] urls = new URL[rest.length + 1];
        urls[0] = url(first);
        System.arraycopy(rest, 0, urls, 1, rest.length);
        return new VariantLoader(name, urls, VariantLoader.class.getClassLoader());
    }

    /**
     * @return a new loader over this JVM's class path.
     */
    static VariantLoader newLoader(final String name)
    {
        return new VariantLoader(name, classPath(), VariantLoader.class.getClassLoader());
    }

    /**
     * @return whether this loader defines the class itself rather than asking its parent.
     */
    static boolean isolated(final String className)
    {
        return (className.startsWith("io.shmipc.") || className.startsWith("org.agrona.")) &&
            !className.equals(RoundVariant.class.getName());
    }

    protected Class<?> loadClass(final String name, final boolean resolve) throws ClassNotFoundException
    {
        if (!isolated(name))
        {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name))
        {
            Class<?> c = findLoadedClass(name);
            if (null == c)
            {
                c = findClass(name);
            }
            if (resolve)
            {
                resolveClass(c);
            }
            return c;
        }
    }

    private static URL url(final String entry)
    {
        try
        {
            return new File(entry).toURI().toURL();
        }
        catch (final MalformedURLException ex)
        {
            throw new IllegalStateException("class path entry " + entry + ": " + ex, ex);
        }
    }

    private static URL[] classPath()
    {
        final List<URL> urls = new ArrayList<>();
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            if (entry.isEmpty())
            {
                continue;
            }
            urls.add(url(entry));
        }
        return urls.toArray(new URL[0]);
    }
}
