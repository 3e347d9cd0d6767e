/** shmipc affinity. */
package io.shmipc.affinity;
