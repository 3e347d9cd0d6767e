package io.shmipc.idle;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdleStrategiesTest
{
    private static final String PROPERTY = "shmipc.test.idle.strategy";

    @AfterEach
    void clearProperty()
    {
        System.clearProperty(PROPERTY);
    }

    @Test
    void parsesStrategiesWithoutParameters()
    {
        assertSame(BusySpinIdleStrategy.INSTANCE, IdleStrategies.parse("busy-spin").newStrategy(null, null));
        assertSame(YieldingIdleStrategy.INSTANCE, IdleStrategies.parse("yield").newStrategy(null, null));
        assertSame(NoOpIdleStrategy.INSTANCE, IdleStrategies.parse("no-op").newStrategy(null, null));
        assertEquals("busy-spin", IdleStrategies.parse("  busy-spin ").toString());
        assertEquals(Map.of(), IdleStrategies.parse("yield").parameters());
    }

    @Test
    void backoffTakesDefaultsForMissingParameters()
    {
        final IdleSpec spec = IdleStrategies.parse("backoff");
        assertEquals("backoff:spins=10,yields=5,minPark=1us,maxPark=1ms", spec.toString());
        assertEquals(10, spec.value("spins"));
        assertEquals(1_000, spec.value("minPark"));
        assertEquals(1_000_000, spec.value("maxPark"));
        assertInstanceOf(BackoffIdleStrategy.class, spec.newStrategy(null, null));
    }

    @Test
    void backoffWithEveryParameter()
    {
        final IdleSpec spec = IdleStrategies.parse("backoff:spins=100,yields=10,minPark=1us,maxPark=1ms");
        assertEquals(100, spec.value("spins"));
        assertEquals(10, spec.value("yields"));
        assertEquals("backoff:spins=100,yields=10,minPark=1us,maxPark=1ms", spec.toString());
        final IdleStrategy strategy = spec.newStrategy(null, null);
        assertInstanceOf(BackoffIdleStrategy.class, strategy);
        assertTrue(strategy.toString().contains("maxSpins=100"), strategy::toString);
        assertTrue(strategy.toString().contains("maxParkPeriodNs=1000000"), strategy::toString);
    }

    @Test
    void waitWithDefaultsAndOverrides()
    {
        assertEquals("wait:spins=1000,yields=100,minPark=50us,maxPark=1ms,timeout=100ms",
            IdleStrategies.parse("wait").toString());
        final IdleSpec spec = IdleStrategies.parse(" wait : spins = 1000 , yields=100, timeout=250ms ");
        assertEquals(250_000_000L, spec.value("timeout"));
        assertEquals(50_000L, spec.value("minPark"));
        assertEquals("wait:spins=1000,yields=100,minPark=50us,maxPark=1ms,timeout=250ms", spec.toString());
        assertEquals("wait:spins=0,yields=0,minPark=50us,maxPark=0ns,timeout=2s",
            IdleStrategies.parse("wait:spins=0,yields=0,maxPark=0ns,timeout=2s").toString());
        final IdleSpec growing = IdleStrategies.parse("wait:timeout=20us,maxTimeout=1ms");
        assertEquals("wait:spins=1000,yields=100,minPark=50us,maxPark=1ms,timeout=20us,maxTimeout=1ms",
            growing.toString(), "maxTimeout is in the canonical string when set");
        assertEquals(growing, IdleStrategies.parse(growing.toString()));
        assertEquals(1_000_000L, growing.value("maxTimeout"));
        assertEquals(0L, IdleStrategies.parse("wait").value("maxTimeout"), "0 by default: every block at timeout");
        final IllegalArgumentException below = assertThrows(IllegalArgumentException.class,
            () -> IdleStrategies.parse("wait:timeout=1ms,maxTimeout=20us"));
        assertTrue(below.getMessage().contains("maxTimeout (20us) must not be below timeout (1ms)"),
            below.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "500ns, 500, 500ns",
        "1us, 1000, 1us",
        "1000us, 1000000, 1ms",
        "1ms, 1000000, 1ms",
        "100ms, 100000000, 100ms",
        "2s, 2000000000, 2s",
        "1500ms, 1500000000, 1500ms",
        "0ns, 0, 0ns",
        "0s, 0, 0ns",
        "100 ms, 100000000, 100ms",
        "2m, 120000000000, 120s" })
    void durations(final String text, final long nanos, final String canonical)
    {
        assertEquals(nanos, IdleStrategies.parse("wait:maxPark=0ns,minPark=" + text).value("minPark"));
        assertEquals(canonical, Units.formatDuration(nanos));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "busy-spin", "yield", "no-op", "backoff", "wait",
        "backoff:spins=0,yields=0,minPark=1ns,maxPark=1ns",
        "wait:spins=7,yields=3,minPark=3us,maxPark=3ms,timeout=1s",
        "wait:maxPark=0ns,minPark=0ns" })
    void canonicalStringParsesBackToAnEqualSpec(final String text)
    {
        final IdleSpec spec = IdleStrategies.parse(text);
        final IdleSpec again = IdleStrategies.parse(spec.toString());
        assertEquals(spec, again);
        assertEquals(spec.hashCode(), again.hashCode());
        assertEquals(spec.toString(), again.toString());
    }

    @Test
    void waitBuildsWaitIdleStrategyAroundTheGivenSignal()
    {
        final RecordingSignal signal = new RecordingSignal();
        final IdleStrategy strategy = IdleStrategies.parse("wait:spins=0,yields=0,maxPark=0ns,timeout=5ms")
            .newStrategy(signal, null);
        assertInstanceOf(WaitIdleStrategy.class, strategy);
        assertEquals("wait", strategy.alias());
        strategy.idle(0);
        assertEquals(1, signal.awaits);
        assertEquals(5_000_000L, signal.lastTimeoutNs);
    }

    @Test
    void waitWithoutSignalFailsClearly()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> IdleStrategies.parse("wait").newStrategy(null, SleepGuard.NONE));
        assertTrue(ex.getMessage().contains("signal is null"), ex.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = { "spin", "BUSY-SPIN", "busyspin", "sleep", ":spins=1" })
    void unknownNameListsAcceptedStrategies(final String text)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> IdleStrategies.parse(text));
        assertTrue(ex.getMessage().startsWith("unknown idle strategy"), ex.getMessage());
        for (final String name : new String[]{ "busy-spin", "yield", "no-op", "backoff:spins=10", "wait:spins=1000" })
        {
            assertTrue(ex.getMessage().contains(name), () -> ex.getMessage() + " lacks " + name);
        }
    }

    @Test
    void nullAndBlankAreRejected()
    {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IdleStrategies.parse(null))
            .getMessage().contains("accepted: busy-spin"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IdleStrategies.parse("  "))
            .getMessage().contains("blank"));
    }

    @Test
    void unknownParameterListsAcceptedParametersWithDefaults()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> IdleStrategies.parse("backoff:spins=1,timeout=1ms"));
        assertEquals("unknown parameter \"timeout\" for idle strategy backoff in \"backoff:spins=1,timeout=1ms\"; " +
            "backoff accepts backoff:spins=10,yields=5,minPark=1us,maxPark=1ms", ex.getMessage());

        final IllegalArgumentException wait = assertThrows(IllegalArgumentException.class,
            () -> IdleStrategies.parse("wait:Spins=1"));
        assertTrue(wait.getMessage().contains("\"Spins\""), wait.getMessage());
        assertTrue(wait.getMessage().contains("timeout=100ms"), wait.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = { "busy-spin:spins=1", "yield:x=1", "no-op:" })
    void parameterlessStrategiesRejectParameters(final String text)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> IdleStrategies.parse(text));
        assertTrue(ex.getMessage().contains("takes no parameters"), ex.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "backoff:spins=-1 | parameter spins of idle strategy backoff must be a whole number",
        "backoff:spins=ten | parameter spins of idle strategy backoff must be a whole number",
        "backoff:spins=1.5 | got \"1.5\"",
        "backoff:spins= | got \"\"",
        "backoff:yields=99999999999999999999 | parameter yields of idle strategy backoff must be a whole number",
        "wait:timeout=100 | parameter timeout of idle strategy wait: '100' is not a duration: use a whole number",
        "wait:timeout=1.5ms | parameter timeout of idle strategy wait: '1.5ms' is not a duration",
        "wait:timeout=10h | parameter timeout of idle strategy wait: '10h' has an unknown unit 'h'",
        "wait:timeout=-1ms | parameter timeout of idle strategy wait: '-1ms' is not a duration",
        "wait:timeout=0ms | parameter timeout of idle strategy wait must be at least 1ns, got \"0ms\"",
        "wait:timeout=9999999999999s | '9999999999999s' is too large: a duration is at most 9223372036854775807",
        "backoff:minPark=2ms,maxPark=1ms | backoff: minPark (2ms) must not exceed maxPark (1ms)",
        "backoff:minPark=0ns | backoff: minPark must be at least 1ns, got 0ns",
        "wait:minPark=0us | or set maxPark=0 for no parking",
        "wait:minPark=5ms | wait: minPark (5ms) must not exceed maxPark (1ms)",
        "wait:spins=1,spins=2 | parameter spins given twice",
        "wait:spins | parameter \"spins\" in \"wait:spins\" is not key=value",
        "wait:spins=1, | parameter \"\" in \"wait:spins=1,\" is not key=value",
        "wait: | empty parameter list after ':'",
        "wait:=5 | unknown parameter \"\" for idle strategy wait" })
    void badParametersNameTheParameterAndValue(final String text, final String expected)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> IdleStrategies.parse(text));
        assertTrue(ex.getMessage().contains(expected), () -> "\"" + ex.getMessage() + "\" lacks \"" + expected + "\"");
    }

    @Test
    void valueOfUnknownParameterFails()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> IdleStrategies.parse("backoff").value("timeout"));
        assertTrue(ex.getMessage().contains("[spins, yields, minPark, maxPark]"), ex.getMessage());
    }

    @Test
    void systemPropertyOverridesDefault()
    {
        assertEquals("yield", IdleStrategies.fromSystemProperty(PROPERTY, "yield").toString());
        System.setProperty(PROPERTY, "  ");
        assertEquals("no-op", IdleStrategies.fromSystemProperty(PROPERTY, "no-op").toString());
        System.setProperty(PROPERTY, "backoff:spins=3");
        assertEquals(3, IdleStrategies.fromSystemProperty(PROPERTY, "yield").value("spins"));
    }

    @Test
    void badSystemPropertyNamesThePropertyAndValue()
    {
        System.setProperty(PROPERTY, "wait:timeout=forever");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> IdleStrategies.fromSystemProperty(PROPERTY, "yield"));
        assertTrue(ex.getMessage().startsWith(
            "system property " + PROPERTY + "=\"wait:timeout=forever\": parameter timeout"), ex.getMessage());
    }

    @Test
    void badDefaultIsReportedWhenPropertyUnset()
    {
        assertThrows(IllegalArgumentException.class, () -> IdleStrategies.fromSystemProperty(PROPERTY, "fast"));
    }

    @Test
    void onlyTheStrategiesThatHoldTheirCpuCountAsSpinning()
    {
        assertTrue(IdleStrategies.holdsCpu(IdleStrategies.parse("busy-spin")));
        assertTrue(IdleStrategies.holdsCpu(IdleStrategies.parse("no-op")));
        assertFalse(IdleStrategies.holdsCpu(IdleStrategies.parse("wait")));
        assertFalse(IdleStrategies.holdsCpu(IdleStrategies.parse("yield")));
        assertFalse(IdleStrategies.holdsCpu(IdleStrategies.parse("backoff")));
        assertFalse(IdleStrategies.holdsCpu((signal, guard) -> null),
            "an application's own strategy is its own business");
    }
}
