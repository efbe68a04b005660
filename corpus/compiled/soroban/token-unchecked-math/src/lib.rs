#![no_std]
//! Game-credits token. The crate's release profile has overflow-checks = false.
use soroban_sdk::{contract, contractimpl, contracttype, Address, Env};

#[contracttype]
#[derive(Clone)]
pub enum DataKey {
    Admin,
    Balance(Address),
}

fn read_balance(env: &Env, id: &Address) -> i128 {
    env.storage().persistent().get(&DataKey::Balance(id.clone())).unwrap_or(0)
}

fn write_balance(env: &Env, id: &Address, amount: i128) {
    env.storage().persistent().set(&DataKey::Balance(id.clone()), &amount);
}

#[contract]
pub struct Credits;

#[contractimpl]
impl Credits {
    pub fn __constructor(env: Env, admin: Address) {
        env.storage().instance().set(&DataKey::Admin, &admin);
    }

    pub fn mint(env: Env, to: Address, amount: i128) {
        let admin: Address = env.storage().instance().get(&DataKey::Admin).unwrap();
        admin.require_auth();
        assert!(amount >= 0, "negative amount");
        let balance = read_balance(&env, &to);
        #[cfg(feature = "vulnerable")]
        write_balance(&env, &to, balance + amount);
        #[cfg(not(feature = "vulnerable"))]
        write_balance(&env, &to, balance.checked_add(amount).expect("overflow"));
    }

    pub fn transfer(env: Env, from: Address, to: Address, amount: i128) {
        from.require_auth();
        assert!(amount >= 0, "negative amount");
        let from_balance = read_balance(&env, &from);
        let to_balance = read_balance(&env, &to);
        #[cfg(feature = "vulnerable")]
        {
            write_balance(&env, &from, from_balance - amount);
            write_balance(&env, &to, to_balance + amount);
        }
        #[cfg(not(feature = "vulnerable"))]
        {
            let new_from = from_balance.checked_sub(amount).expect("overflow");
            assert!(new_from >= 0, "insufficient balance");
            write_balance(&env, &from, new_from);
            write_balance(&env, &to, to_balance.checked_add(amount).expect("overflow"));
        }
    }

    pub fn balance(env: Env, id: Address) -> i128 {
        read_balance(&env, &id)
    }
}
