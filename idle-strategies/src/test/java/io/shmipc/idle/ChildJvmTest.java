package io.shmipc.idle;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChildJvmTest
{
    /** Prints its arguments and one system property, as the child of the test below. */
    static final class Echo
    {
        public static void main(final String[] args)
        {
            System.out.println(String.join("|", args) + " " + System.getProperty("shmipc.test.echo"));
        }
    }

    @Test
    void commandIsJavaAgronaFlagOptionsClassPathMainAndArguments()
    {
        final List<String> command = ChildJvm.of(Echo.class).jvmOptions("-Xmx32m").jvmOptions(List.of("-Da=b"))
            .classPath("/some/where.jar").args("one").args(List.of("two", "three")).command();

        assertEquals(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx32m", "-Da=b",
            "-cp", "/some/where.jar", Echo.class.getName(), "one", "two", "three"), command);
        assertEquals(List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx32m", "-Da=b"),
            ChildJvm.of(Echo.class).jvmOptions("-Xmx32m", "-Da=b").jvmOptions());
        assertTrue(ChildJvm.of(Echo.class).command().contains(System.getProperty("java.class.path")),
            "this JVM's class path by default");
    }

    @Test
    void theChildRunsWithItsOptionsAndArguments() throws Exception
    {
        final Process child = ChildJvm.of(Echo.class).jvmOptions("-Dshmipc.test.echo=seen").args("a b", "c")
            .processBuilder().redirectErrorStream(true).start();
        try
        {
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not exit within 60 s");
            assertEquals("a b|c seen", new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .strip());
            assertEquals(0, child.exitValue());
        }
        finally
        {
            child.destroyForcibly();
        }
    }
}
