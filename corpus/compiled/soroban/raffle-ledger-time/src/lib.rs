#![no_std]
//! Ticket raffle paid in a token: players buy tickets, the round closes after a deadline and
//! anyone can trigger the draw, which pays the whole pot to one ticket holder.
use soroban_sdk::{contract, contractimpl, contracttype, token, Address, Env, Vec};

const MAX_TICKETS: u32 = 200;

#[contracttype]
#[derive(Clone)]
pub enum DataKey {
    Token,
    Price,
    Deadline,
    Tickets,
}

#[contract]
pub struct Raffle;

fn pick_index(env: &Env, n: u32) -> u32 {
    #[cfg(feature = "vulnerable")]
    {
        let ledger = env.ledger();
        ((ledger.timestamp() ^ ledger.sequence() as u64) % n as u64) as u32
    }
    #[cfg(not(feature = "vulnerable"))]
    {
        env.prng().gen_range::<u64>(0..n as u64) as u32
    }
}

#[contractimpl]
impl Raffle {
    pub fn __constructor(env: Env, token: Address, price: i128, deadline: u64) {
        env.storage().instance().set(&DataKey::Token, &token);
        env.storage().instance().set(&DataKey::Price, &price);
        env.storage().instance().set(&DataKey::Deadline, &deadline);
        env.storage().instance().set(&DataKey::Tickets, &Vec::<Address>::new(&env));
    }

    pub fn buy_ticket(env: Env, player: Address) -> u32 {
        player.require_auth();
        let deadline: u64 = env.storage().instance().get(&DataKey::Deadline).unwrap();
        assert!(env.ledger().timestamp() < deadline, "round closed");
        let mut tickets: Vec<Address> = env.storage().instance().get(&DataKey::Tickets).unwrap();
        assert!(tickets.len() < MAX_TICKETS, "sold out");
        let token: Address = env.storage().instance().get(&DataKey::Token).unwrap();
        let price: i128 = env.storage().instance().get(&DataKey::Price).unwrap();
        token::TokenClient::new(&env, &token).transfer(&player, &env.current_contract_address(), &price);
        tickets.push_back(player);
        env.storage().instance().set(&DataKey::Tickets, &tickets);
        tickets.len() - 1
    }

    pub fn draw(env: Env) -> Address {
        let deadline: u64 = env.storage().instance().get(&DataKey::Deadline).unwrap();
        assert!(env.ledger().timestamp() >= deadline, "round still open");
        let tickets: Vec<Address> = env.storage().instance().get(&DataKey::Tickets).unwrap();
        assert!(!tickets.is_empty(), "no tickets");
        let winner = tickets.get(pick_index(&env, tickets.len())).unwrap();
        let token: Address = env.storage().instance().get(&DataKey::Token).unwrap();
        let client = token::TokenClient::new(&env, &token);
        let pot = client.balance(&env.current_contract_address());
        client.transfer(&env.current_contract_address(), &winner, &pot);
        env.storage().instance().set(&DataKey::Tickets, &Vec::<Address>::new(&env));
        winner
    }
}
