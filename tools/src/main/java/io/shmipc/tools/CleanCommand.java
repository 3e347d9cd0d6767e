package io.shmipc.tools;

import io.shmipc.core.segment.ChannelNames;
import io.shmipc.core.segment.SegmentException;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.signals.NamedSignals;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code shmipc clean NAME}: removes {@code /dev/shm/NAME}, {@code /dev/shm/sem.NAME_REQ} and
 * {@code /dev/shm/sem.NAME_RESP} once no live process maps any of them. It takes a channel name only, checked
 * before anything is touched (no {@code /}, no {@code ..}), and removes only regular files: a symbolic link or a
 * directory of that name is refused, so it never acts on a path outside {@code /dev/shm}. A segment file whose
 * header is not a valid segment is refused too, unless {@code --force}.
 */
@Command(
    name = "clean",
    description = {
        "Remove the segment /dev/shm/NAME and the semaphores /dev/shm/sem.NAME_REQ and sem.NAME_RESP of a channel " +
        "that no live process maps any more. Refuses (exit 6, listing the pids) while a process maps one of them, " +
        "unless --force; never follows a symbolic link."},
    mixinStandardHelpOptions = true,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:Removed.",
        "1:A file could not be removed (permission).",
        "2:Usage error (invalid channel name).",
        "3:No segment or semaphore of that name in /dev/shm.",
        "4:Refused: not a regular file (symbolic link, directory), or not a valid segment (--force removes it).",
        "6:Refused: a live process maps the channel (pids listed; --force removes anyway)."})
final class CleanCommand implements Callable<Integer>
{
    @Parameters(paramLabel = "NAME", description = "Channel name (not a path).")
    String name;

    @Option(names = "--force", description = "Remove even while a process maps the channel, or when the segment " +
        "file is not a valid segment. A process that maps it keeps its mapping until it exits.")
    boolean force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public Integer call()
    {
        ChannelNames.check(name);
        final Path segmentFile = SharedSegment.shmPath(name);
        final List<Path> files = new ArrayList<>(3);
        for (final Path file : List.of(segmentFile,
            NamedSignals.linuxFile(NamedSignals.requestSignalName(name)),
            NamedSignals.linuxFile(NamedSignals.responseSignalName(name))))
        {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS))
            {
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS))
                {
                    throw new CliException(ExitCodes.INVALID_SEGMENT, file + ": " +
                        (Files.isSymbolicLink(file) ? "is a symbolic link" : "is not a regular file") +
                        ", not a channel file; nothing removed");
                }
                files.add(file);
            }
        }
        if (files.isEmpty())
        {
            throw new CliException(ExitCodes.NOT_FOUND, "no segment or semaphore of channel " + name + " in " +
                SharedSegment.SHM_DIRECTORY);
        }
        if (files.contains(segmentFile) && !force)
        {
            final AtomicReference<SharedSegment> opened = new AtomicReference<>();
            try
            {
                // opened on a thread of its own (SegmentFiles.readConfined): a truncation's fault stays there
                SegmentFiles.readConfined(segmentFile, () -> -1, () ->
                {
                    opened.set(SharedSegment.open(segmentFile, true)); // a valid segment: a channel's file
                    return Boolean.TRUE;
                });
            }
            catch (final SegmentException ex)
            {
                throw new CliException(ExitCodes.INVALID_SEGMENT, ex.getMessage() +
                    "; not a channel's segment, nothing removed (--force removes it anyway)");
            }
            finally
            {
                if (null != opened.get())
                {
                    opened.get().close();
                }
            }
        }

        final long self = ProcessHandle.current().pid();
        final Map<Long, String> users = new TreeMap<>();
        ProcMaps.mappersOf(files).values().forEach(mappers -> mappers.stream()
            .filter(m -> m.pid() != self).forEach(m -> users.put(m.pid(), m.command())));
        if (!users.isEmpty() && !force)
        {
            throw new CliException(ExitCodes.IN_USE, "channel " + name + " is mapped by pid " +
                String.join(", ", users.keySet().stream().map(String::valueOf).toList()) + " (" +
                users.values().iterator().next() + (users.size() > 1 ? ", ..." : "") +
                "); nothing removed (stop them first, or use --force)");
        }

        final PrintWriter out = spec.commandLine().getOut();
        for (final Path file : files)
        {
            try
            {
                Files.deleteIfExists(file);
                out.println("removed " + file);
            }
            catch (final IOException ex)
            {
                out.flush();
                throw new CliException(ExitCodes.FAILURE, file + ": cannot remove: " + ex);
            }
        }
        if (!users.isEmpty())
        {
            out.println("still mapped by pid " + users.keySet() + ": they keep their mapping until they exit");
        }
        out.flush();
        return ExitCodes.OK;
    }
}
