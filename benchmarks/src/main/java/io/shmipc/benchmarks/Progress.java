package io.shmipc.benchmarks;

import java.io.PrintStream;

/**
 * Progress of the running benchmark on the terminal (standard error): the run, its phase and how far it is, about
 * once a second. On a console the line is rewritten in place; otherwise one line is printed per update.
 */
final class Progress
{
    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final PrintStream out;
    private final boolean enabled;
    private final boolean console;
    private long lastShown;
    private int lastLength;

    Progress(final PrintStream out, final boolean enabled)
    {
        this.out = out;
        this.enabled = enabled;
        this.console = null != System.console();
    }

    /**
     * Show a run's state if a second has passed since the last update.
     */
    void show(final String label, final int phase, final long operations, final PairRun.Spec spec)
    {
        final long now = System.nanoTime();
        if (!enabled || now - lastShown < INTERVAL_NANOS)
        {
            return;
        }
        lastShown = now;
        String text = "  " + label + ": " + ControlFile.phaseName(phase) + " " + String.format("%,d", operations);
        if (null != spec.plan)
        {
            text = "  " + label + ": " + ControlFile.phaseName(phase) +
                (operations > 0 ? String.format(", round %d / %d", operations, spec.plan.rounds) : "");
        }
        else if (ControlFile.MEASURE == phase && spec.run.plannedMeasureCount() > 0)
        {
            text += String.format(" / %,d", spec.run.plannedMeasureCount());
        }
        else if (ControlFile.WAKE == phase)
        {
            text += String.format(" / %,d wake-ups", spec.wakeSamples);
        }
        print(text);
    }

    /**
     * A run ended.
     */
    void done(final String label)
    {
        if (enabled)
        {
            print("  " + label + ": done");
            if (console)
            {
                out.println();
                lastLength = 0;
            }
        }
    }

    /**
     * A line of its own, e.g. the start of a step.
     */
    void line(final String text)
    {
        if (enabled)
        {
            out.println(text);
        }
    }

    private void print(final String text)
    {
        if (console)
        {
            final StringBuilder line = new StringBuilder("\r").append(text);
            for (int i = text.length(); i < lastLength; i++)
            {
                line.append(' ');
            }
            lastLength = text.length();
            out.print(line);
            out.flush();
        }
        else
        {
            out.println(text);
        }
    }
}
