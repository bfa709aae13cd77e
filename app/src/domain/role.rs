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
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::GlobalAdministrator,
        Role::Administrator,
        Role::Analyst,
        Role::ReadOnly,
        Role::ApiDeveloper,
    ];

    /// The code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Role::GlobalAdministrator => "global_admin",
            Role::Administrator => "admin",
            Role::Analyst => "analyst",
            Role::ReadOnly => "read_only",
            Role::ApiDeveloper => "api_developer",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

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
            ],
            Role::Administrator => &[ViewUsers, ManageUsers, ManageGroups, ManageSettings, ViewActivity],
            Role::Analyst => &[],
            Role::ReadOnly => &[ViewUsers, ViewActivity],
            Role::ApiDeveloper => &[],
        }
    }
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
    fn only_global_admins_manage_global_admins() {
        for role in Role::ALL {
            let can = role.permissions().contains(&Permission::ManageGlobalAdmins);
            assert_eq!(can, role == Role::GlobalAdministrator);
        }
    }
}
