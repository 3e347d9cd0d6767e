/** shmipc benchmarks. */
package io.shmipc.benchmarks;
