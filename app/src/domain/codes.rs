//! Stable text codes for enums: what the database, URLs and forms carry. One table per enum
//! gives `ALL`, `code`, `from_code`, `TryFrom<String>` and (on the server) sqlx decoding, so a
//! column is decoded once, in the store: a value the code does not know is an error naming
//! it, never a quiet fallback.

/// A code no variant has: decoding it fails loudly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCode {
    pub kind: &'static str,
    pub code: String,
}

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} code {:?}", self.kind, self.code)
    }
}

impl std::error::Error for UnknownCode {}

/// `codes!(Role { GlobalAdministrator => "global_admin", … })`
#[macro_export]
macro_rules! codes {
    ($ty:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: [$ty; [$($code),+].len()] = [$($ty::$variant),+];

            /// The stable text code (database, URLs, forms).
            pub fn code(self) -> &'static str {
                match self {
                    $($ty::$variant => $code),+
                }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }

        // Decoded from a text column once, in the store: an unknown code fails the read with an
        // error that names the column and the value.
        #[cfg(feature = "ssr")]
        impl sqlx::Type<sqlx::Any> for $ty {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <String as sqlx::Type<sqlx::Any>>::type_info()
            }
            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
                <String as sqlx::Type<sqlx::Any>>::compatible(ty)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $ty {
            fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let code = <String as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
                Ok(<$ty>::try_from(code)?)
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::domain::UnknownCode;

            fn from_str(code: &str) -> Result<Self, Self::Err> {
                Self::try_from(code.to_string())
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::domain::UnknownCode;

            fn try_from(code: String) -> Result<Self, Self::Error> {
                Self::from_code(&code).ok_or($crate::domain::UnknownCode {
                    kind: stringify!($ty),
                    code,
                })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::domain::Role;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_errors() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
            assert_eq!(Role::try_from(role.code().to_string()), Ok(role));
        }
        let error = Role::try_from("superuser".to_string()).unwrap_err();
        assert_eq!(error.to_string(), "unknown Role code \"superuser\"");
    }
}
