package io.shmipc.tools;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** One in-process run of the CLI with its exit code and captured streams. */
record CliRun(int code, String out, String err)
{
    static CliRun of(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new CliRun(code, out.toString(), err.toString());
    }

    List<String> errLines()
    {
        return err.lines().filter(l -> !l.isBlank()).toList();
    }

    public String toString()
    {
        return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
