package io.shmipc.benchmarks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class ThroughputCommandTest
{
    @Test
    void sameRegimeRatiosKeepOnlyTheRoundsInWhichBothConsumersWereInTheRegime()
    {
        final double[] ratios = {0.7, 3.0, 1.1, 0.8, 2.0};
        final double[] ring = {5, 95, 60, 10, 49.9};
        final double[] agrona = {3, 8, 70, 49, 50};

        assertArrayEquals(new double[]{0.7, 0.8}, ThroughputCommand.sameRegimeRatios(ratios, ring, agrona, false),
            "both below 50% behind: both kept up");
        assertArrayEquals(new double[]{1.1}, ThroughputCommand.sameRegimeRatios(ratios, ring, agrona, true),
            "both at 50% or more: both behind");
    }
}
