#![no_std]
//! Single-asset savings vault: users deposit a token (SAC or SEP-41) and withdraw it later.
use soroban_sdk::{contract, contracterror, contractimpl, contracttype, panic_with_error, token, Address, Env};

#[contracttype]
#[derive(Clone)]
pub enum DataKey {
    Token,
    Deposit(Address),
}

#[contracterror]
#[derive(Copy, Clone, Debug, Eq, PartialEq)]
pub enum VaultError {
    AlreadyInitialized = 1,
    InvalidAmount = 2,
    InsufficientFunds = 3,
}

const BALANCE_BUMP: u32 = 518_400;
const BALANCE_THRESHOLD: u32 = 120_960;

fn token_client(env: &Env) -> token::TokenClient<'_> {
    let addr: Address = env.storage().instance().get(&DataKey::Token).unwrap();
    token::TokenClient::new(env, &addr)
}

fn deposit_of(env: &Env, user: &Address) -> i128 {
    let key = DataKey::Deposit(user.clone());
    let amount = env.storage().persistent().get(&key).unwrap_or(0);
    if env.storage().persistent().has(&key) {
        env.storage().persistent().extend_ttl(&key, BALANCE_THRESHOLD, BALANCE_BUMP);
    }
    amount
}

#[contract]
pub struct Vault;

#[contractimpl]
impl Vault {
    pub fn __constructor(env: Env, token: Address) {
        if env.storage().instance().has(&DataKey::Token) {
            panic_with_error!(&env, VaultError::AlreadyInitialized);
        }
        env.storage().instance().set(&DataKey::Token, &token);
    }

    pub fn deposit(env: Env, from: Address, amount: i128) {
        from.require_auth();
        if amount <= 0 {
            panic_with_error!(&env, VaultError::InvalidAmount);
        }
        token_client(&env).transfer(&from, &env.current_contract_address(), &amount);
        let balance = deposit_of(&env, &from);
        env.storage().persistent().set(&DataKey::Deposit(from), &(balance + amount));
    }

    /// Withdraws `amount` of `from`'s deposit to `to` (which may be another account, e.g. an
    /// exchange deposit address).
    pub fn withdraw(env: Env, from: Address, to: Address, amount: i128) {
        #[cfg(not(feature = "vulnerable"))]
        from.require_auth();
        if amount <= 0 {
            panic_with_error!(&env, VaultError::InvalidAmount);
        }
        let balance = deposit_of(&env, &from);
        if balance < amount {
            panic_with_error!(&env, VaultError::InsufficientFunds);
        }
        env.storage().persistent().set(&DataKey::Deposit(from), &(balance - amount));
        token_client(&env).transfer(&env.current_contract_address(), &to, &amount);
    }

    pub fn balance(env: Env, user: Address) -> i128 {
        deposit_of(&env, &user)
    }
}
