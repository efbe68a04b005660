//! Minimal internal-ledger token (not NEP-141): balances in a LookupMap, transfers and burns.
//! The crate's release profile has overflow-checks = false.
use near_sdk::json_types::U128;
use near_sdk::store::LookupMap;
use near_sdk::{env, log, near, require, AccountId, PanicOnDefault};

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Ledger {
    minter: AccountId,
    balances: LookupMap<AccountId, u128>,
    total_supply: u128,
}

#[near]
impl Ledger {
    #[init]
    pub fn new(minter: AccountId) -> Self {
        Self { minter, balances: LookupMap::new(b"b"), total_supply: 0 }
    }

    pub fn mint(&mut self, account_id: AccountId, amount: U128) {
        require!(env::predecessor_account_id() == self.minter, "Minter only");
        let balance = self.balances.get(&account_id).copied().unwrap_or(0);
        #[cfg(feature = "vulnerable")]
        {
            self.balances.insert(account_id, balance + amount.0);
            self.total_supply += amount.0;
        }
        #[cfg(not(feature = "vulnerable"))]
        {
            self.balances.insert(account_id, balance.checked_add(amount.0).expect("Balance overflow"));
            self.total_supply = self.total_supply.checked_add(amount.0).expect("Supply overflow");
        }
    }

    pub fn transfer(&mut self, receiver_id: AccountId, amount: U128) {
        let sender = env::predecessor_account_id();
        let from = self.balances.get(&sender).copied().unwrap_or(0);
        let to = self.balances.get(&receiver_id).copied().unwrap_or(0);
        #[cfg(feature = "vulnerable")]
        {
            self.balances.insert(sender.clone(), from - amount.0);
            self.balances.insert(receiver_id.clone(), to + amount.0);
        }
        #[cfg(not(feature = "vulnerable"))]
        {
            self.balances.insert(sender.clone(), from.checked_sub(amount.0).expect("Insufficient balance"));
            self.balances.insert(receiver_id.clone(), to.checked_add(amount.0).expect("Balance overflow"));
        }
        log!("{} -> {}: {}", sender, receiver_id, amount.0);
    }

    pub fn burn(&mut self, amount: U128) {
        let sender = env::predecessor_account_id();
        let from = self.balances.get(&sender).copied().unwrap_or(0);
        #[cfg(feature = "vulnerable")]
        {
            self.balances.insert(sender, from - amount.0);
            self.total_supply -= amount.0;
        }
        #[cfg(not(feature = "vulnerable"))]
        {
            self.balances.insert(sender, from.checked_sub(amount.0).expect("Insufficient balance"));
            self.total_supply = self.total_supply.checked_sub(amount.0).expect("Supply underflow");
        }
    }

    pub fn balance_of(&self, account_id: AccountId) -> U128 {
        U128(self.balances.get(&account_id).copied().unwrap_or(0))
    }
}
