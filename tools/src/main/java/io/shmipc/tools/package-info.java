/** shmipc tools. */
package io.shmipc.tools;
