package io.shmipc.core.channel;

import io.shmipc.schemas.IpcMessages;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * {@link ReadMode#CALLER}: callers waiting for their responses take turns reading for each other (leader/follower).
 * Whenever the leader leaves, one waiting follower must take the lead, so a response never waits for a follower's
 * park to time out, or for the conductor's safety-net read. The park is made longer than the test here, and the test
 * checks that the conductor read nothing.
 */
@Timeout(60)
class CallerLeadTest
{
    private static final int CALLERS = 5;

    @RegisterExtension
    final TestChannel channel = new TestChannel("caller-lead");

    @Test
    void everyWaitingCallerIsServedWhicheverOrderTheAnswersComeIn() throws Exception
    {
        // followers park for longer than the test: only the leader's hand-over can serve them in time
        final ChannelConfig config = ChannelConfig.builder(channel.name).capacity(64 * 1024)
            .callTimeout(Duration.ofSeconds(40)).followerPark(Duration.ofSeconds(45)).build();
        final IpcHost host = channel.keep(IpcHost.start(config, IpcMessages::reqId));
        assertEquals(ReadMode.CALLER, IpcHost.READ_MODE_DEFAULT, "the default read mode, the one under test");
        final BlockingQueue<long[]> requests = new ArrayBlockingQueue<>(CALLERS);
        final IpcGuest guest = channel.keep(IpcGuest.start(config, (buffer, index, length, self) ->
            requests.add(new long[]{IpcMessages.reqId(buffer, index, length), index, length})));

        final ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        try
        {
            // Callers start one at a time, each once the one before has sent its request, so the first leads and
            // the others follow in order: the order in which the old single-slot hand-over lost a follower.
            final List<Future<Double>> calls = new ArrayList<>();
            final List<Long> ids = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++)
            {
                final double x = i;
                calls.add(callers.submit(() -> add(host, x)));
                final long[] request = requests.poll(10, TimeUnit.SECONDS);
                assertNotNull(request, "request of caller " + i);
                ids.add(request[0]);
                Thread.sleep(20); // let it reach its wait (leading or following) before the next one comes
            }
            // Answer the leader first, then the followers from the last to arrive back to the first.
            final int[] order = new int[CALLERS];
            order[0] = 0;
            for (int i = 1; i < CALLERS; i++)
            {
                order[i] = CALLERS - i;
            }
            final ExpandableArrayBuffer response = new ExpandableArrayBuffer(128);
            for (final int caller : order)
            {
                final int length = IpcMessages.encodeAddResponse(response, ids.get(caller), caller + 0.5);
                guest.respond(response, 0, length);
                assertEquals(caller + 0.5, calls.get(caller).get(10, TimeUnit.SECONDS),
                    "caller " + caller + " got its answer while the others waited");
            }
            // A follower left without a leader is found by the conductor's safety-net read (about every 100 ms);
            // here every response must have been read by a calling thread.
            assertEquals(0, host.responsesReadByConductor(), "responses left with nobody reading");
        }
        finally
        {
            callers.shutdownNow();
        }
    }

    private static double add(final IpcHost host, final double x) throws Exception
    {
        final double[] result = new double[1];
        host.call((buffer, reqId) -> IpcMessages.encodeAddRequest(buffer, reqId, x, 0),
            (buffer, index, length) -> result[0] = IpcMessages.result(buffer, index, length), Duration.ofSeconds(40));
        return result[0];
    }
}
