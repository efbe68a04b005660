#![no_std]
//! Stablecoin-style token with allowances and an admin pause (e.g. for an incident response).
use soroban_sdk::{contract, contracterror, contractimpl, contracttype, panic_with_error, Address, Env};

#[contracttype]
#[derive(Clone)]
pub enum DataKey {
    Admin,
    Paused,
    Balance(Address),
    Allowance(Address, Address),
}

#[contracterror]
#[derive(Copy, Clone, Debug, Eq, PartialEq)]
pub enum TokenError {
    Paused = 1,
    InsufficientBalance = 2,
    InsufficientAllowance = 3,
    NegativeAmount = 4,
}

fn check_not_paused(env: &Env) {
    if env.storage().instance().get(&DataKey::Paused).unwrap_or(false) {
        panic_with_error!(env, TokenError::Paused);
    }
}

fn read_balance(env: &Env, id: &Address) -> i128 {
    env.storage().persistent().get(&DataKey::Balance(id.clone())).unwrap_or(0)
}

fn move_balance(env: &Env, from: &Address, to: &Address, amount: i128) {
    if amount < 0 {
        panic_with_error!(env, TokenError::NegativeAmount);
    }
    let from_balance = read_balance(env, from);
    if from_balance < amount {
        panic_with_error!(env, TokenError::InsufficientBalance);
    }
    env.storage().persistent().set(&DataKey::Balance(from.clone()), &(from_balance - amount));
    let to_balance = read_balance(env, to);
    env.storage().persistent().set(&DataKey::Balance(to.clone()), &(to_balance + amount));
}

#[contract]
pub struct Stable;

#[contractimpl]
impl Stable {
    pub fn __constructor(env: Env, admin: Address, supply: i128) {
        env.storage().instance().set(&DataKey::Admin, &admin);
        env.storage().instance().set(&DataKey::Paused, &false);
        env.storage().persistent().set(&DataKey::Balance(admin), &supply);
    }

    pub fn set_paused(env: Env, paused: bool) {
        let admin: Address = env.storage().instance().get(&DataKey::Admin).unwrap();
        admin.require_auth();
        env.storage().instance().set(&DataKey::Paused, &paused);
    }

    pub fn approve(env: Env, from: Address, spender: Address, amount: i128) {
        from.require_auth();
        check_not_paused(&env);
        env.storage().persistent().set(&DataKey::Allowance(from, spender), &amount);
    }

    pub fn transfer(env: Env, from: Address, to: Address, amount: i128) {
        from.require_auth();
        check_not_paused(&env);
        move_balance(&env, &from, &to, amount);
    }

    pub fn transfer_from(env: Env, spender: Address, from: Address, to: Address, amount: i128) {
        spender.require_auth();
        #[cfg(not(feature = "vulnerable"))]
        check_not_paused(&env);
        let key = DataKey::Allowance(from.clone(), spender);
        let allowance: i128 = env.storage().persistent().get(&key).unwrap_or(0);
        if allowance < amount {
            panic_with_error!(&env, TokenError::InsufficientAllowance);
        }
        env.storage().persistent().set(&key, &(allowance - amount));
        move_balance(&env, &from, &to, amount);
    }

    pub fn balance(env: Env, id: Address) -> i128 {
        read_balance(&env, &id)
    }
}
