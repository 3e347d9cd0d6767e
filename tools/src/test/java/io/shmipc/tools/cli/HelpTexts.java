package io.shmipc.tools.cli;

import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Renders the help of a command and of every subcommand under it, hidden ones included, and fails if picocli warns
 * about any of them (an unescaped {@code %} in a description makes it print {@code [picocli WARN] Could not format}
 * on standard error). Shared by the tests of the three command lines (tools' test-jar).
 */
public final class HelpTexts
{
    private HelpTexts()
    {
    }

    /**
     * @param command the top-level command object, e.g. {@code new Main()}.
     * @return every help text, one after the other, for further checks.
     * @throws AssertionError naming the command if its help printed anything on standard error, or is empty.
     */
    public static String assertNoWarnings(final Object command)
    {
        final List<CommandLine> all = new ArrayList<>();
        collect(new CommandLine(command), all);
        final StringBuilder help = new StringBuilder();
        final PrintStream savedErr = System.err;
        for (final CommandLine line : all)
        {
            final ByteArrayOutputStream err = new ByteArrayOutputStream();
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            try
            {
                line.usage(new PrintStream(out, true, StandardCharsets.UTF_8));
            }
            finally
            {
                System.setErr(savedErr);
            }
            final String name = line.getCommandSpec().qualifiedName();
            final String text = out.toString(StandardCharsets.UTF_8);
            assertEquals("", err.toString(StandardCharsets.UTF_8), name + " --help wrote to standard error");
            assertTrue(text.contains("Usage: " + name), name + " --help: " + text);
            help.append(text);
        }
        return help.toString();
    }

    private static void collect(final CommandLine line, final List<CommandLine> all)
    {
        all.add(line);
        for (final CommandLine sub : line.getSubcommands().values())
        {
            if (!all.contains(sub))
            {
                collect(sub, all);
            }
        }
    }
}
