#![no_std]
//! Community treasury: admin-gated upgrades and payouts, a weekly lucky-draw bonus using the
//! host PRNG, checked arithmetic, a pause honoured by every state-changing entry point, and
//! bounded batch payouts.
use soroban_sdk::{contract, contracterror, contractimpl, contracttype, panic_with_error, token, Address, BytesN, Env, Vec};

const MAX_BATCH: u32 = 20;

#[contracttype]
#[derive(Clone)]
pub enum DataKey {
    Admin,
    Token,
    Paused,
    Members,
}

#[contracterror]
#[derive(Copy, Clone, Debug, Eq, PartialEq)]
pub enum Error {
    Paused = 1,
    BatchTooLarge = 2,
    BadAmount = 3,
    NoMembers = 4,
}

fn admin(env: &Env) -> Address {
    env.storage().instance().get(&DataKey::Admin).unwrap()
}

fn when_not_paused(env: &Env) {
    if env.storage().instance().get(&DataKey::Paused).unwrap_or(false) {
        panic_with_error!(env, Error::Paused);
    }
}

fn token(env: &Env) -> token::TokenClient<'_> {
    let addr: Address = env.storage().instance().get(&DataKey::Token).unwrap();
    token::TokenClient::new(env, &addr)
}

#[contract]
pub struct Treasury;

#[contractimpl]
impl Treasury {
    pub fn __constructor(env: Env, admin: Address, token: Address) {
        env.storage().instance().set(&DataKey::Admin, &admin);
        env.storage().instance().set(&DataKey::Token, &token);
        env.storage().instance().set(&DataKey::Paused, &false);
        env.storage().persistent().set(&DataKey::Members, &Vec::<Address>::new(&env));
    }

    pub fn join(env: Env, member: Address) {
        member.require_auth();
        when_not_paused(&env);
        let mut members: Vec<Address> = env.storage().persistent().get(&DataKey::Members).unwrap();
        assert!(members.len() < 1_000, "full");
        if !members.contains(&member) {
            members.push_back(member);
            env.storage().persistent().set(&DataKey::Members, &members);
        }
    }

    pub fn pay(env: Env, recipients: Vec<Address>, amount: i128) {
        admin(&env).require_auth();
        when_not_paused(&env);
        if recipients.len() > MAX_BATCH {
            panic_with_error!(&env, Error::BatchTooLarge);
        }
        if amount <= 0 {
            panic_with_error!(&env, Error::BadAmount);
        }
        let total = amount.checked_mul(recipients.len() as i128).expect("overflow");
        let client = token(&env);
        assert!(client.balance(&env.current_contract_address()) >= total, "treasury too small");
        for r in recipients.iter() {
            client.transfer(&env.current_contract_address(), &r, &amount);
        }
    }

    pub fn lucky_draw(env: Env, bonus: i128) -> Address {
        admin(&env).require_auth();
        when_not_paused(&env);
        let members: Vec<Address> = env.storage().persistent().get(&DataKey::Members).unwrap();
        if members.is_empty() {
            panic_with_error!(&env, Error::NoMembers);
        }
        let winner = members.get_unchecked(env.prng().gen_range::<u64>(0..members.len() as u64) as u32);
        token(&env).transfer(&env.current_contract_address(), &winner, &bonus);
        winner
    }

    pub fn set_paused(env: Env, paused: bool) {
        admin(&env).require_auth();
        env.storage().instance().set(&DataKey::Paused, &paused);
    }

    pub fn upgrade(env: Env, new_wasm_hash: BytesN<32>) {
        admin(&env).require_auth();
        env.deployer().update_current_contract_wasm(new_wasm_hash);
    }
}
