use serde::{Deserialize, Serialize};

/// A role grants a fixed set of permissions (the matrix in the README).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Role {
    GlobalAdministrator,
    Administrator,
    Analyst,
    ReadOnly,
    ApiDeveloper,
}

/// What a user may do. Effective permissions are the union over the user's role and groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Permission {
    ViewUsers,
    ManageUsers,
    ManageGroups,
    ManageSettings,
    ViewActivity,
    ManageGlobalAdmins,
    /// Changing where Roster's mail goes. Whoever controls the mailer reads every invitation
    /// link, and links can grant any role, so only Global Administrators hold it.
    ManageMailer,
}

crate::codes!(Role {
    GlobalAdministrator => "global_admin",
    Administrator => "admin",
    Analyst => "analyst",
    ReadOnly => "read_only",
    ApiDeveloper => "api_developer",
});

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::GlobalAdministrator => "Global Administrator",
            Role::Administrator => "Administrator",
            Role::Analyst => "Analyst",
            Role::ReadOnly => "Read Only",
            Role::ApiDeveloper => "API Developer",
        }
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::GlobalAdministrator => &[
                ViewUsers,
                ManageUsers,
                ManageGroups,
                ManageSettings,
                ViewActivity,
                ManageGlobalAdmins,
                ManageMailer,
            ],
            Role::Administrator => &[ViewUsers, ManageUsers, ManageGroups, ManageSettings, ViewActivity],
            Role::Analyst => &[],
            Role::ReadOnly => &[ViewUsers, ViewActivity],
            Role::ApiDeveloper => &[],
        }
    }
}

/// The union of the permissions of a user's own role and of every group role they hold,
/// sorted and without repeats: what the user may do.
pub fn effective_permissions(role: Role, group_roles: impl IntoIterator<Item = Role>) -> Vec<Permission> {
    let mut permissions: Vec<Permission> = role.permissions().to_vec();
    for group_role in group_roles {
        permissions.extend_from_slice(group_role.permissions());
    }
    permissions.sort();
    permissions.dedup();
    permissions
}

/// What a user may do with an invitation for `role`: send it (and act on it), or not.
pub fn may_grant(permissions: &[Permission], role: Role) -> bool {
    permissions.contains(&Permission::ManageUsers)
        && (role != Role::GlobalAdministrator || permissions.contains(&Permission::ManageGlobalAdmins))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("root"), None);
    }

    #[test]
    fn only_global_admins_manage_global_admins_and_the_mailer() {
        for role in Role::ALL {
            for permission in [Permission::ManageGlobalAdmins, Permission::ManageMailer] {
                assert_eq!(
                    role.permissions().contains(&permission),
                    role == Role::GlobalAdministrator
                );
            }
        }
    }

    #[test]
    fn groups_add_to_the_role_and_grants_need_the_right_permissions() {
        let analyst_in_admin_group = effective_permissions(Role::Analyst, [Role::Administrator]);
        assert!(analyst_in_admin_group.contains(&Permission::ManageUsers));
        assert!(may_grant(&analyst_in_admin_group, Role::Analyst));
        assert!(!may_grant(&analyst_in_admin_group, Role::GlobalAdministrator));
        let global_by_group = effective_permissions(Role::ReadOnly, [Role::GlobalAdministrator, Role::Analyst]);
        assert!(may_grant(&global_by_group, Role::GlobalAdministrator));
        assert!(!may_grant(&effective_permissions(Role::ReadOnly, []), Role::ReadOnly));
    }
}
