package io.shmipc.tools;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The guest's reader answers quick requests itself and hands slow ones to its workers, measuring again now and then.
 */
class HandlerTimingTest
{
    @Test
    void quickHandlersAreAnsweredInlineAndSlowOnesByTheWorkers()
    {
        final GuestCommand.HandlerTiming timing = new GuestCommand.HandlerTiming();
        for (int i = 0; i < 100; i++)
        {
            assertTrue(timing.answerInline(), "a 2 us handler is answered by the reader");
            timing.record(2_000);
        }
        for (int i = 0; i < 50; i++)
        {
            timing.record(500_000); // the handler became slow (0.5 ms)
        }
        int inline = 0;
        for (int i = 0; i < 1024; i++)
        {
            if (timing.answerInline())
            {
                inline++;
                timing.record(500_000);
            }
        }
        assertEquals(4, inline, "one request in 256 is still measured on the reader");
        for (int i = 0; i < 20_000; i++)
        {
            if (timing.answerInline())
            {
                timing.record(1_000); // the handler is quick again: the samples bring the average down
            }
        }
        assertTrue(timing.answerInline(), "a handler that is quick again goes back inline");
    }

    @Test
    void oneRequestDelayedByPreemptionOrGcDoesNotSendTheQuickOnesToTheWorkers()
    {
        final GuestCommand.HandlerTiming timing = new GuestCommand.HandlerTiming();
        for (int i = 0; i < 100; i++)
        {
            timing.record(2_000);
        }
        for (int round = 0; round < 10; round++)
        {
            timing.record(4_000_000); // the reader lost its CPU for a 4 ms time slice
            assertTrue(timing.answerInline(), "one outlier in round " + round + " must not hand requests off");
            for (int i = 0; i < 20; i++)
            {
                timing.record(2_000);
            }
        }
        for (int i = 0; i < 8; i++)
        {
            timing.record(4_000_000); // the handler itself became slow
        }
        assertFalse(timing.answerInline(), "a handler slow for eight requests in a row goes to the workers");
    }
}
