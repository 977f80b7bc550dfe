package io.openmms.server.auth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * A user's or API key's role in a group, with Ops Manager's names, and what each may do. Every page
 * and API call checks a {@link Permission} through {@link Principal#can}.
 */
public enum Role {
  GROUP_OWNER("Owner", EnumSet.allOf(Permission.class)),
  GROUP_MONITORING_ADMIN("Monitoring admin", EnumSet.of(Permission.READ,
      Permission.MANAGE_AGENT_KEYS, Permission.MANAGE_MONITORING)),
  GROUP_BACKUP_ADMIN("Backup admin", EnumSet.of(Permission.READ, Permission.MANAGE_AGENT_KEYS,
      Permission.MANAGE_BACKUP)),
  GROUP_READ_ONLY("Read only", EnumSet.of(Permission.READ));

  /** Something a role may be allowed to do in a group. */
  public enum Permission {
    /** See hosts, charts, clusters, backups. */
    READ,
    /** Create and revoke the group's agent API keys. */
    MANAGE_AGENT_KEYS,
    /** Create and revoke programmatic API keys of the group. */
    MANAGE_API_KEYS,
    /** Invite, approve, remove members and change their roles. */
    MANAGE_MEMBERS,
    /** Read the group's audit log. */
    VIEW_AUDIT,
    /** Change monitoring settings (alerts, hosts). */
    MANAGE_MONITORING,
    /** Start and stop backups, take snapshots, restore. */
    MANAGE_BACKUP
  }

  private final String label;
  private final Set<Permission> permissions;

  Role(String label, Set<Permission> permissions) {
    this.label = label;
    this.permissions = permissions;
  }

  public String label() {
    return label;
  }

  public boolean allows(Permission p) {
    return permissions.contains(p);
  }

  /** The role with this name, or {@code null}. */
  public static Role parse(String name) {
    if (name == null) {
      return null;
    }
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
