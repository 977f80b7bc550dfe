/** The backup daemon (SPEC §1, §3): heads, oplog application, snapshots, groom, restores. */
package io.openmms.daemon;
