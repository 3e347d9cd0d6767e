package io.shmipc.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code shmipc inspect NAME|PATH [--json]}: print the state of a channel's segment, read-only.
 */
@Command(
    name = "inspect",
    description = {
        "Show the state of a channel without disturbing it: layout, file, each queue's positions, fill, pending " +
        "messages, block at readPos and extension fields, the semaphores, and the processes mapping the segment " +
        "with their shmipc-* threads and the CPUs each may run on.",
        "The segment is mapped read-only; the semaphores are not opened (their /dev/shm/sem.* files are read)."},
    mixinStandardHelpOptions = true,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:Success.",
        "1:Runtime failure (I/O error).",
        "2:Usage error (unknown option, invalid channel name).",
        "3:Segment not found.",
        "4:Not a valid segment (truncated, also while read; not initialised, size mismatch, random bytes, " +
            "directory, FIFO, socket, device, permission).",
        "5:A queue is corrupt (the report is printed, then one line on stderr)."})
final class InspectCommand implements Callable<Integer>
{
    private static final int MAX_MESSAGES = 100_000;

    @Parameters(paramLabel = "NAME|PATH",
        description = "Channel name (the segment /dev/shm/NAME), or a path to a segment file (contains '/').")
    String target;

    @Option(names = "--json", description = "Print one JSON object instead of text (fields in docs/cli.md).")
    boolean json;

    @Option(names = "--messages", paramLabel = "N", defaultValue = "0",
        description = "Also show the first N pending messages of each queue: the ipc.Message (req_id, payload " +
        "type and fields) when the bytes are one, else a hex dump (at most 256 bytes) (default: ${DEFAULT-VALUE}).")
    int messages;

    @Spec
    CommandLine.Model.CommandSpec spec;

    public Integer call()
    {
        if (messages < 0 || messages > MAX_MESSAGES)
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--messages must be from 0 to " + MAX_MESSAGES + ", was " + messages);
        }
        final SegmentTarget target = SegmentTarget.of(this.target);
        final Path file = target.file();
        final ChannelReport report = ChannelReport.inspect(file, target.channelName(), messages);
        spec.commandLine().getOut().print(json ? report.json(messages > 0) + System.lineSeparator() : report.text());
        spec.commandLine().getOut().flush();
        final String corruption = report.corruption();
        if (null != corruption)
        {
            throw new CliException(ExitCodes.CORRUPT_QUEUE, file + ": corrupt queue " + corruption);
        }
        return ExitCodes.OK;
    }
}
