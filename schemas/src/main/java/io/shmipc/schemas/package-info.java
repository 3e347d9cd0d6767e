/** shmipc schemas. */
package io.shmipc.schemas;
