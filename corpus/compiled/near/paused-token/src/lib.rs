//! A simple loyalty-points token with an emergency pause the operator can switch on.
use near_sdk::json_types::U128;
use near_sdk::store::LookupMap;
use near_sdk::{env, log, near, require, AccountId, PanicOnDefault};

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Points {
    operator: AccountId,
    paused: bool,
    balances: LookupMap<AccountId, u128>,
    total_supply: u128,
}

#[near]
impl Points {
    #[init]
    pub fn new(operator: AccountId, initial_supply: U128) -> Self {
        let mut balances = LookupMap::new(b"b");
        balances.insert(operator.clone(), initial_supply.0);
        Self { operator, paused: false, balances, total_supply: initial_supply.0 }
    }

    pub fn pause(&mut self) {
        self.assert_operator();
        self.paused = true;
    }

    pub fn unpause(&mut self) {
        self.assert_operator();
        self.paused = false;
    }

    pub fn transfer(&mut self, receiver_id: AccountId, amount: U128) {
        self.assert_not_paused();
        let sender = env::predecessor_account_id();
        self.internal_transfer(&sender, &receiver_id, amount.0);
    }

    /// Added later for the rewards team: pays many accounts in one call.
    pub fn batch_transfer(&mut self, transfers: Vec<(AccountId, U128)>) {
        #[cfg(not(feature = "vulnerable"))]
        self.assert_not_paused();
        require!(transfers.len() <= 50, "At most 50 transfers per batch");
        let sender = env::predecessor_account_id();
        for (receiver_id, amount) in transfers {
            self.internal_transfer(&sender, &receiver_id, amount.0);
        }
    }

    pub fn mint(&mut self, receiver_id: AccountId, amount: U128) {
        self.assert_operator();
        self.assert_not_paused();
        let balance = self.balances.entry(receiver_id).or_insert(0);
        *balance = balance.checked_add(amount.0).expect("overflow");
        self.total_supply = self.total_supply.checked_add(amount.0).expect("overflow");
    }

    pub fn balance_of(&self, account_id: AccountId) -> U128 {
        U128(self.balances.get(&account_id).copied().unwrap_or(0))
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }
}

impl Points {
    fn assert_operator(&self) {
        require!(env::predecessor_account_id() == self.operator, "Operator only");
    }

    fn assert_not_paused(&self) {
        require!(!self.paused, "Contract is paused");
    }

    fn internal_transfer(&mut self, sender: &AccountId, receiver: &AccountId, amount: u128) {
        require!(sender != receiver, "Sender and receiver must differ");
        let from = self.balances.get(sender).copied().unwrap_or(0);
        require!(from >= amount, "Insufficient balance");
        self.balances.insert(sender.clone(), from - amount);
        let to = self.balances.entry(receiver.clone()).or_insert(0);
        *to = to.checked_add(amount).expect("overflow");
        log!("Transfer {} from {} to {}", amount, sender, receiver);
    }
}
