#![no_std]
//! Upgradeable counter/registry contract: the admin installs new Wasm with `upgrade`.
use soroban_sdk::{contract, contractimpl, contracttype, Address, BytesN, Env, Map, Symbol};

#[contracttype]
#[derive(Clone)]
pub enum DataKey {
    Admin,
    Names,
}

fn admin(env: &Env) -> Address {
    env.storage().instance().get(&DataKey::Admin).expect("not initialized")
}

#[contract]
pub struct Registry;

#[contractimpl]
impl Registry {
    pub fn __constructor(env: Env, admin: Address) {
        env.storage().instance().set(&DataKey::Admin, &admin);
    }

    pub fn register(env: Env, owner: Address, name: Symbol) {
        owner.require_auth();
        let mut names: Map<Symbol, Address> = env.storage().persistent().get(&DataKey::Names).unwrap_or(Map::new(&env));
        if names.contains_key(name.clone()) {
            panic!("name taken");
        }
        names.set(name, owner);
        env.storage().persistent().set(&DataKey::Names, &names);
    }

    pub fn resolve(env: Env, name: Symbol) -> Option<Address> {
        let names: Map<Symbol, Address> = env.storage().persistent().get(&DataKey::Names).unwrap_or(Map::new(&env));
        names.get(name)
    }

    pub fn upgrade(env: Env, new_wasm_hash: BytesN<32>) {
        #[cfg(not(feature = "vulnerable"))]
        admin(&env).require_auth();
        env.deployer().update_current_contract_wasm(new_wasm_hash);
    }

    pub fn version() -> u32 {
        1
    }

    pub fn get_admin(env: Env) -> Address {
        admin(&env)
    }
}
