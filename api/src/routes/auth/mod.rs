//! Who you are: signing in, refreshing and out, passwords set from one-time
//! links, and the signed-in admin.

pub mod me;
pub mod passwords;
pub mod sessions;

/// Registers the operations of this feature, in matching order.
pub fn configure(ops: &mut crate::operations::Operations) {
    ops.add(sessions::__path_login, sessions::login);
    ops.add(sessions::__path_refresh, sessions::refresh);
    ops.add(sessions::__path_logout, sessions::logout);
    ops.add(passwords::__path_set_password, passwords::set_password);
    ops.add(passwords::__path_forgot_password, passwords::forgot_password);
    ops.add(me::__path_get_me, me::get_me);
}
