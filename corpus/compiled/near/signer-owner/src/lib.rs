//! Treasury of a small DAO: the council (one account) pays grants out of it.
use near_sdk::json_types::U128;
use near_sdk::store::IterableMap;
use near_sdk::{env, log, near, require, AccountId, NearToken, PanicOnDefault, Promise};

#[near(serializers = [borsh, json])]
#[derive(Clone)]
pub struct Grant {
    pub amount: U128,
    pub paid: bool,
}

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Treasury {
    council: AccountId,
    grants: IterableMap<AccountId, Grant>,
}

#[near]
impl Treasury {
    #[init]
    pub fn new(council: AccountId) -> Self {
        Self { council, grants: IterableMap::new(b"g") }
    }

    pub fn approve_grant(&mut self, grantee: AccountId, amount: U128) {
        self.assert_council();
        self.grants.insert(grantee, Grant { amount, paid: false });
    }

    pub fn pay_grant(&mut self, grantee: AccountId) -> Promise {
        self.assert_council();
        let grant = self.grants.get_mut(&grantee).expect("No grant");
        require!(!grant.paid, "Already paid");
        grant.paid = true;
        log!("Paying grant of {} to {}", grant.amount.0, grantee);
        Promise::new(grantee).transfer(NearToken::from_yoctonear(grant.amount.0))
    }

    pub fn transfer_funds(&mut self, receiver_id: AccountId, amount: U128) -> Promise {
        self.assert_council();
        Promise::new(receiver_id).transfer(NearToken::from_yoctonear(amount.0))
    }

    pub fn get_grant(&self, grantee: AccountId) -> Option<Grant> {
        self.grants.get(&grantee).cloned()
    }
}

impl Treasury {
    fn assert_council(&self) {
        #[cfg(feature = "vulnerable")]
        let caller = env::signer_account_id();
        #[cfg(not(feature = "vulnerable"))]
        let caller = env::predecessor_account_id();
        require!(caller == self.council, "Only the council");
    }
}
