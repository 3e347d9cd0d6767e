package io.shmipc.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Compiles the C test peers of {@code src/test/c} with gcc into {@code target/native}, once per JVM.
 */
public final class NativePeer
{
    private NativePeer()
    {
    }

    /**
     * @param source file name in {@code src/test/c}, e.g. {@code simpleipc_peer.c}.
     * @return path of the executable.
     * @throws AssertionError if gcc is missing or the compile fails, with gcc's output.
     */
    public static synchronized Path compile(final String source, final String... extraFlags)
    {
        final Path src = Paths.get("src", "test", "c", source).toAbsolutePath();
        final Path exe = Paths.get("target", "native", source.replace(".c", "")).toAbsolutePath();
        try
        {
            if (Files.exists(exe) && Files.getLastModifiedTime(exe).compareTo(newestSource(src.getParent())) > 0)
            {
                return exe;
            }
            Files.createDirectories(exe.getParent());
            if (!Files.isExecutable(Paths.get("/usr/bin/gcc")) && !onPath("gcc"))
            {
                throw new AssertionError(
                    "gcc is needed to build the C test peer " + src + ": install it (apt-get install gcc)");
            }
            final String[] command = new String[6 + extraFlags.length];
            command[0] = "gcc";
            command[1] = "-O2";
            command[2] = "-std=c11";
            command[3] = "-o";
            command[4] = exe.toString();
            command[5] = src.toString();
            System.arraycopy(extraFlags, 0, command, 6, extraFlags.length);
            try (ChildProcess gcc = ChildProcess.exec(command))
            {
                final int exit = gcc.waitFor(60, TimeUnit.SECONDS);
                if (exit != 0)
                {
                    throw new AssertionError("gcc failed (" + exit + ") on " + src + ":\n" + gcc.output());
                }
            }
            return exe;
        }
        catch (final IOException ex)
        {
            throw new AssertionError("cannot build " + src, ex);
        }
    }

    /** The peers share headers, so any change in the C source folder rebuilds them. */
    private static FileTime newestSource(final Path dir) throws IOException
    {
        try (Stream<Path> files = Files.list(dir))
        {
            FileTime newest = FileTime.fromMillis(0);
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                final FileTime time = Files.getLastModifiedTime(file);
                newest = time.compareTo(newest) > 0 ? time : newest;
            }
            return newest;
        }
    }

    private static boolean onPath(final String program)
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "").split(":"))
        {
            if (Files.isExecutable(Paths.get(dir, program)))
            {
                return true;
            }
        }
        return false;
    }
}
