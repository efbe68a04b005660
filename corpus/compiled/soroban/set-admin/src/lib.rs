#![no_std]
//! Loyalty-points token with an admin that mints and can hand the admin role over.
use soroban_sdk::{contract, contracterror, contractevent, contractimpl, contracttype, panic_with_error, Address, Env};

#[contracttype]
#[derive(Clone)]
pub enum DataKey {
    Admin,
    Balance(Address),
    TotalSupply,
}

#[contracterror]
#[derive(Copy, Clone, Debug, Eq, PartialEq)]
pub enum Error {
    NotInitialized = 1,
    AlreadyInitialized = 2,
    NegativeAmount = 3,
    InsufficientBalance = 4,
}

#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct AdminChanged {
    pub new_admin: Address,
}

fn read_admin(env: &Env) -> Address {
    env.storage()
        .instance()
        .get(&DataKey::Admin)
        .unwrap_or_else(|| panic_with_error!(env, Error::NotInitialized))
}

fn balance_of(env: &Env, id: &Address) -> i128 {
    env.storage().persistent().get(&DataKey::Balance(id.clone())).unwrap_or(0)
}

#[contract]
pub struct Points;

#[contractimpl]
impl Points {
    pub fn initialize(env: Env, admin: Address) {
        if env.storage().instance().has(&DataKey::Admin) {
            panic_with_error!(&env, Error::AlreadyInitialized);
        }
        env.storage().instance().set(&DataKey::Admin, &admin);
        env.storage().instance().set(&DataKey::TotalSupply, &0i128);
    }

    pub fn mint(env: Env, to: Address, amount: i128) {
        if amount < 0 {
            panic_with_error!(&env, Error::NegativeAmount);
        }
        let admin = read_admin(&env);
        admin.require_auth();
        let balance = balance_of(&env, &to);
        env.storage().persistent().set(&DataKey::Balance(to), &(balance + amount));
        let supply: i128 = env.storage().instance().get(&DataKey::TotalSupply).unwrap_or(0);
        env.storage().instance().set(&DataKey::TotalSupply, &(supply + amount));
        env.storage().instance().extend_ttl(17_280, 518_400);
    }

    pub fn transfer(env: Env, from: Address, to: Address, amount: i128) {
        from.require_auth();
        if amount < 0 {
            panic_with_error!(&env, Error::NegativeAmount);
        }
        let from_balance = balance_of(&env, &from);
        if from_balance < amount {
            panic_with_error!(&env, Error::InsufficientBalance);
        }
        env.storage().persistent().set(&DataKey::Balance(from), &(from_balance - amount));
        let to_balance = balance_of(&env, &to);
        env.storage().persistent().set(&DataKey::Balance(to), &(to_balance + amount));
    }

    pub fn set_admin(env: Env, new_admin: Address) {
        #[cfg(not(feature = "vulnerable"))]
        {
            let admin = read_admin(&env);
            admin.require_auth();
        }
        env.storage().instance().set(&DataKey::Admin, &new_admin);
        AdminChanged { new_admin }.publish(&env);
    }

    pub fn admin(env: Env) -> Address {
        read_admin(&env)
    }

    pub fn balance(env: Env, id: Address) -> i128 {
        balance_of(&env, &id)
    }
}
