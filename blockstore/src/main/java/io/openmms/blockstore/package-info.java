/** Content-addressed block storage for snapshots (SPEC §2, §3 step 5). */
package io.openmms.blockstore;
