package io.shmipc.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the processes that have a file mapped, by scanning {@code /proc/[pid]/maps} (Linux only). Processes whose
 * maps this user may not read, or that exit during the scan, are skipped. Thread safe; allocates freely.
 */
final class ProcMaps
{
    private static final Path PROC = Paths.get("/proc");
    private static final int MAX_COMMAND_CHARS = 160;

    /** A process mapping the file. */
    record Mapper(long pid, String command)
    {
    }

    private ProcMaps()
    {
    }

    /**
     * @param file the mapped file; its real path (symlinks resolved) is what {@code maps} shows.
     * @return the processes mapping it, by ascending pid; empty where there is no {@code /proc}.
     */
    static List<Mapper> mappersOf(final Path file)
    {
        final List<Mapper> mappers = new ArrayList<>();
        if (!Files.isDirectory(PROC))
        {
            return mappers;
        }
        String target;
        try
        {
            target = file.toRealPath().toString();
        }
        catch (final IOException ex)
        {
            target = file.toAbsolutePath().normalize().toString();
        }
        final String suffix = " " + target;
        final String deletedSuffix = suffix + " (deleted)";
        final List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, "[0-9]*"))
        {
            for (final Path entry : entries)
            {
                pids.add(Long.parseLong(entry.getFileName().toString()));
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            return mappers;
        }
        pids.sort(null);
        for (final long pid : pids)
        {
            if (maps(pid, suffix, deletedSuffix))
            {
                mappers.add(new Mapper(pid, command(pid)));
            }
        }
        return mappers;
    }

    private static boolean maps(final long pid, final String suffix, final String deletedSuffix)
    {
        try (var lines = Files.lines(PROC.resolve(Long.toString(pid)).resolve("maps"), StandardCharsets.UTF_8))
        {
            return lines.anyMatch(line -> line.endsWith(suffix) || line.endsWith(deletedSuffix));
        }
        catch (final IOException | java.io.UncheckedIOException ex)
        {
            return false;
        }
    }

    private static String command(final long pid)
    {
        final Path dir = PROC.resolve(Long.toString(pid));
        try
        {
            final byte[] cmdline = Files.readAllBytes(dir.resolve("cmdline"));
            String command = new String(cmdline, StandardCharsets.UTF_8).replace('\0', ' ').trim();
            if (command.isEmpty())
            {
                command = "[" + Files.readString(dir.resolve("comm"), StandardCharsets.UTF_8).trim() + "]";
            }
            return command.length() > MAX_COMMAND_CHARS ? command.substring(0, MAX_COMMAND_CHARS - 3) + "..." : command;
        }
        catch (final IOException ex)
        {
            return "?";
        }
    }
}
