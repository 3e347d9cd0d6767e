package io.shmipc.tools.cli;

import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How {@code shmipc}, {@code shmipc bench} and {@code shmipc bridge} run a parsed command line: as picocli's
 * {@link CommandLine.RunLast}, except that an argument no command took is a usage error even when {@code --help} or
 * {@code --version} was given too. Picocli lets a help request win, so {@code shmipc frobnicate --help} printed the
 * top-level help and exited 0; with this strategy it fails with the parameter exception handler's usage exit code.
 * {@link #missingCommand} is the usage error of a command line that names no command at all. Stateless and thread
 * safe.
 */
public final class StrictExecution implements CommandLine.IExecutionStrategy
{
    private final CommandLine.IExecutionStrategy delegate = new CommandLine.RunLast();

    /**
     * {@inheritDoc}
     *
     * @throws CommandLine.UnmatchedArgumentException naming the first command that has arguments it did not match;
     *                                                {@link CommandLine#execute} hands it to the parameter exception
     *                                                handler.
     */
    public int execute(final CommandLine.ParseResult parseResult)
    {
        for (CommandLine.ParseResult level = parseResult; null != level; level = level.subcommand())
        {
            if (!level.unmatched().isEmpty())
            {
                throw new CommandLine.UnmatchedArgumentException(level.commandSpec().commandLine(), level.unmatched());
            }
        }
        return delegate.execute(parseResult);
    }

    /**
     * @param spec a command that needs a subcommand, e.g. {@code shmipc} itself.
     * @return the usage error to throw when none was given, listing the visible subcommands (not {@code help}).
     */
    public static CommandLine.ParameterException missingCommand(final CommandLine.Model.CommandSpec spec)
    {
        final List<String> names = new ArrayList<>();
        for (final Map.Entry<String, CommandLine> e : spec.subcommands().entrySet())
        {
            final CommandLine.Model.CommandSpec sub = e.getValue().getCommandSpec();
            if (!sub.usageMessage().hidden() && !(sub.userObject() instanceof CommandLine.HelpCommand) &&
                e.getKey().equals(sub.name()))
            {
                names.add(e.getKey());
            }
        }
        final String list = names.size() < 2 ? String.join("", names) :
            String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
        return new CommandLine.ParameterException(spec.commandLine(), "missing command: " + list);
    }
}
