package io.shmipc.tools;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the processes that have a file mapped, by scanning {@code /proc/[pid]/maps} (Linux only). Processes whose
 * maps this user may not read, or that exit during the scan, are skipped. Thread safe; allocates freely.
 */
final class ProcMaps
{
    private static final Path PROC = Paths.get("/proc");
    private static final int MAX_COMMAND_CHARS = 160;
    private static final String DELETED = " (deleted)";

    /**
     * A process mapping the file.
     *
     * @param pid     process id.
     * @param command its command line, shortened to {@value #MAX_COMMAND_CHARS} characters.
     * @param threads its threads whose name starts with {@value #THREAD_PREFIX}, by tid.
     */
    record Mapper(long pid, String command, List<ChannelThread> threads)
    {
    }

    /**
     * One channel thread of a mapping process, as {@code /proc/PID/task/TID} shows it.
     *
     * @param tid         thread id.
     * @param name        its name from {@code comm}: the kernel keeps only the first 15 bytes, so
     *                    {@code shmipc-writer-NAME} reads as {@code shmipc-writer-}... cut there.
     * @param cpusAllowed {@code Cpus_allowed_list} from its {@code status}: where it may run (its pinning).
     */
    record ChannelThread(long tid, String name, String cpusAllowed)
    {
    }

    /**
     * Threads whose name starts with this are reported: the channel's {@code shmipc-writer-*}/{@code shmipc-reader-*}.
     */
    static final String THREAD_PREFIX = "shmipc-";

    private ProcMaps()
    {
    }

    /**
     * @param file the mapped file; its real path (symlinks resolved) is what {@code maps} shows.
     * @return the processes mapping it, by ascending pid; empty where there is no {@code /proc}.
     */
    static List<Mapper> mappersOf(final Path file)
    {
        return mappersOf(List.of(file)).get(file);
    }

    /**
     * One scan of {@code /proc/[pid]/maps} for several files (each process's maps are read once).
     *
     * @param files the mapped files.
     * @return for each given file, the processes mapping it by ascending pid (an empty list when none).
     */
    static Map<Path, List<Mapper>> mappersOf(final List<Path> files)
    {
        final Map<Path, List<Mapper>> result = new LinkedHashMap<>();
        final Map<String, Path> bySuffix = new HashMap<>();
        for (final Path file : files)
        {
            result.put(file, new ArrayList<>());
            String target;
            try
            {
                target = file.toRealPath().toString();
            }
            catch (final IOException ex)
            {
                target = file.toAbsolutePath().normalize().toString();
            }
            bySuffix.put(" " + target, file);
        }
        if (!Files.isDirectory(PROC) || files.isEmpty())
        {
            return result;
        }
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
            return result;
        }
        pids.sort(null);
        for (final long pid : pids)
        {
            final Set<Path> mapped = mapped(pid, bySuffix);
            if (!mapped.isEmpty())
            {
                final Mapper mapper = new Mapper(pid, command(pid), channelThreads(pid));
                for (final Path file : mapped)
                {
                    result.get(file).add(mapper);
                }
            }
        }
        return result;
    }

    private static Set<Path> mapped(final long pid, final Map<String, Path> bySuffix)
    {
        final Set<Path> mapped = new HashSet<>();
        try (BufferedReader lines = Files.newBufferedReader(PROC.resolve(Long.toString(pid)).resolve("maps"),
            StandardCharsets.UTF_8))
        {
            String line;
            while (null != (line = lines.readLine()))
            {
                final int space = line.indexOf(" /");
                if (space < 0)
                {
                    continue;
                }
                String path = line.substring(space);
                if (path.endsWith(DELETED))
                {
                    path = path.substring(0, path.length() - DELETED.length());
                }
                final Path file = bySuffix.get(path);
                if (null != file)
                {
                    mapped.add(file);
                }
            }
        }
        catch (final IOException | UncheckedIOException ex)
        {
            // gone, or not ours to read: not listed
        }
        return mapped;
    }

    /**
     * @return the threads of {@code pid} named {@value #THREAD_PREFIX}*, with their allowed CPUs; empty when the
     * process's tasks cannot be read.
     */
    static List<ChannelThread> channelThreads(final long pid)
    {
        final List<ChannelThread> threads = new ArrayList<>();
        final Path tasks = PROC.resolve(Long.toString(pid)).resolve("task");
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tasks, "[0-9]*"))
        {
            for (final Path task : entries)
            {
                try
                {
                    final String name = Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).trim();
                    if (!name.startsWith(THREAD_PREFIX))
                    {
                        continue;
                    }
                    String cpus = "?";
                    for (final String line : Files.readAllLines(task.resolve("status"), StandardCharsets.UTF_8))
                    {
                        if (line.startsWith("Cpus_allowed_list:"))
                        {
                            cpus = line.substring("Cpus_allowed_list:".length()).trim();
                        }
                    }
                    threads.add(new ChannelThread(Long.parseLong(task.getFileName().toString()), name, cpus));
                }
                catch (final IOException | NumberFormatException ex)
                {
                    // the thread ended during the scan
                }
            }
        }
        catch (final IOException ex)
        {
            return threads;
        }
        threads.sort((a, b) -> Long.compare(a.tid(), b.tid()));
        return threads;
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
