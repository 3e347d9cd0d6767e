/** shmipc core. */
package io.shmipc.core;
