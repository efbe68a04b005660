#![no_std]
//! Liquid-staking exchange-rate store, v2. v1 kept the rate with 7 decimals; v2 uses 9, so after
//! `upgrade` installs the v2 code the admin calls `migrate` once to rescale the stored rate.
use soroban_sdk::{contract, contractimpl, contracttype, Address, BytesN, Env};

const RATE_SCALE_V1_TO_V2: i128 = 100;
const VERSION: u32 = 2;

#[contracttype]
#[derive(Clone)]
pub enum DataKey {
    Admin,
    /// staked-token value of one share, fixed point (9 decimals since v2)
    Rate,
    Version,
}

fn require_admin(env: &Env) {
    let admin: Address = env.storage().instance().get(&DataKey::Admin).unwrap();
    admin.require_auth();
}

#[contract]
pub struct RateStore;

#[contractimpl]
impl RateStore {
    pub fn __constructor(env: Env, admin: Address, rate: i128) {
        env.storage().instance().set(&DataKey::Admin, &admin);
        env.storage().instance().set(&DataKey::Rate, &rate);
        env.storage().instance().set(&DataKey::Version, &VERSION);
    }

    pub fn upgrade(env: Env, new_wasm_hash: BytesN<32>) {
        require_admin(&env);
        env.deployer().update_current_contract_wasm(new_wasm_hash);
    }

    /// Rescales the v1 rate (7 decimals) to the v2 format (9 decimals).
    pub fn migrate(env: Env) {
        require_admin(&env);
        #[cfg(not(feature = "vulnerable"))]
        {
            let stored: u32 = env.storage().instance().get(&DataKey::Version).unwrap_or(1);
            assert!(stored == VERSION - 1, "already migrated");
        }
        let rate: i128 = env.storage().instance().get(&DataKey::Rate).unwrap();
        env.storage().instance().set(&DataKey::Rate, &(rate * RATE_SCALE_V1_TO_V2));
        env.storage().instance().set(&DataKey::Version, &VERSION);
    }

    pub fn set_rate(env: Env, rate: i128) {
        require_admin(&env);
        assert!(rate > 0, "bad rate");
        env.storage().instance().set(&DataKey::Rate, &rate);
    }

    pub fn rate(env: Env) -> i128 {
        env.storage().instance().get(&DataKey::Rate).unwrap()
    }

    pub fn version(env: Env) -> u32 {
        env.storage().instance().get(&DataKey::Version).unwrap_or(1)
    }
}
