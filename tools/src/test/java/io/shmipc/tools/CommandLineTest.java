package io.shmipc.tools;

import io.shmipc.tools.cli.HelpTexts;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line as a whole: every help renders cleanly, and a command line naming no command, or an unknown one,
 * is a usage error (exit 2) even with {@code --help}.
 */
class CommandLineTest
{
    @Test
    void everyCommandsHelpRendersWithoutPicocliWarnings()
    {
        final String help = HelpTexts.assertNoWarnings(new Main());
        assertTrue(help.contains("busy-spin (100% of a"), "an escaped %% prints as %: " + help);
        for (final String command : new String[]{"host", "guest", "inspect", "watch", "list", "clean", "demo"})
        {
            final CliRun run = CliRun.of(command, "--help");
            assertEquals(ExitCodes.OK, run.code(), run::toString);
            assertTrue(run.out().startsWith("Usage: shmipc " + command), run::toString);
            assertEquals("", run.err(), run::toString);
        }
    }

    @Test
    void anUnknownCommandIsAUsageErrorEvenWithHelp()
    {
        for (final String[] args : new String[][]{{"frobnicate", "--help"}, {"frobnicate"}, {"frobnicate", "-h"},
            {"--help", "frobnicate"}, {"help", "frobnicate"}})
        {
            final CliRun run = CliRun.of(args);
            assertEquals(ExitCodes.USAGE, run.code(), run::toString);
            assertEquals("", run.out(), run::toString);
            assertEquals(1, run.errLines().size(), run::toString);
            assertTrue(run.err().contains("'frobnicate'"), run::toString);
        }
        final CliRun option = CliRun.of("host", "x", "--frobnicate", "--help");
        assertEquals(ExitCodes.USAGE, option.code(), option::toString);
        assertTrue(option.err().contains("'--frobnicate'") && option.err().contains("shmipc host --help"),
            option::toString);
    }

    @Test
    void noCommandIsAUsageErrorListingTheCommands()
    {
        final CliRun run = CliRun.of();
        assertEquals(ExitCodes.USAGE, run.code(), run::toString);
        assertEquals("shmipc: missing command: host, guest, inspect, watch, list, clean or demo (see 'shmipc --help')",
            run.err().strip());
        final CliRun help = CliRun.of("--help");
        assertEquals(ExitCodes.OK, help.code(), help::toString);
        assertTrue(help.out().startsWith("Usage: shmipc"), help::toString);
    }
}
