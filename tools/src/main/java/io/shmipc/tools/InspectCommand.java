package io.shmipc.tools;

import io.shmipc.core.SharedSegment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.Callable;

/**
 * {@code shmipc inspect NAME|PATH [--json]}: print the state of a channel's segment, read-only.
 */
@Command(
    name = "inspect",
    description = {
        "Show the state of a channel without disturbing it: layout, file, each queue's positions, fill, pending " +
        "messages, block at readPos and extension fields, the semaphores, and the processes mapping the segment.",
        "The segment is mapped read-only; the semaphores are not opened (their /dev/shm/sem.* files are read)."},
    mixinStandardHelpOptions = true,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:Success.",
        "1:Runtime failure (I/O error).",
        "2:Usage error (unknown option, invalid channel name).",
        "3:Segment not found.",
        "4:Not a valid segment (truncated, not initialised, size mismatch, random bytes, directory, permission).",
        "5:A queue is corrupt (the report is printed, then one line on stderr)."})
final class InspectCommand implements Callable<Integer>
{
    @Parameters(paramLabel = "NAME|PATH",
        description = "Channel name (the segment /dev/shm/NAME), or a path to a segment file (contains '/').")
    String target;

    @Option(names = "--json", description = "Print one JSON object instead of text (fields in docs/cli.md).")
    boolean json;

    @Spec
    CommandLine.Model.CommandSpec spec;

    public Integer call()
    {
        final Path file;
        final String channelName;
        if (target.indexOf('/') >= 0)
        {
            file = Paths.get(target);
            final Path parent = file.toAbsolutePath().normalize().getParent();
            channelName = SharedSegment.SHM_DIRECTORY.equals(parent) ? file.getFileName().toString() : null;
        }
        else
        {
            file = SharedSegment.shmPath(target);
            channelName = target;
        }
        final ChannelReport report = ChannelReport.inspect(file, channelName);
        spec.commandLine().getOut().print(json ? report.json() + System.lineSeparator() : report.text());
        spec.commandLine().getOut().flush();
        final String corruption = report.corruption();
        if (null != corruption)
        {
            throw new CliException(ExitCodes.CORRUPT_QUEUE, file + ": corrupt queue " + corruption);
        }
        return ExitCodes.OK;
    }
}
