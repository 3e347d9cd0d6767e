/** shmipc idle-strategies. */
package io.shmipc.idle;
