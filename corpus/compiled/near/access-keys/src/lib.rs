//! A "smart wallet" account: the contract holds the funds and its owner manages the account's
//! access keys through it (rotating devices, recovery).
use near_sdk::json_types::U128;
use near_sdk::{env, log, near, require, AccountId, NearToken, PanicOnDefault, Promise, PublicKey};

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct SmartWallet {
    owner_id: AccountId,
    daily_limit: NearToken,
    spent_today: NearToken,
    day: u64,
}

const DAY_NS: u64 = 86_400_000_000_000;

#[near]
impl SmartWallet {
    #[init]
    pub fn new(owner_id: AccountId, daily_limit: U128) -> Self {
        Self {
            owner_id,
            daily_limit: NearToken::from_yoctonear(daily_limit.0),
            spent_today: NearToken::from_yoctonear(0),
            day: env::block_timestamp() / DAY_NS,
        }
    }

    pub fn send(&mut self, receiver_id: AccountId, amount: U128) -> Promise {
        self.only_owner();
        let today = env::block_timestamp() / DAY_NS;
        if today != self.day {
            self.day = today;
            self.spent_today = NearToken::from_yoctonear(0);
        }
        let amount = NearToken::from_yoctonear(amount.0);
        self.spent_today = self.spent_today.checked_add(amount).expect("overflow");
        require!(self.spent_today <= self.daily_limit, "Daily limit exceeded");
        Promise::new(receiver_id).transfer(amount)
    }

    /// Adds a full-access key to this account (new device, recovery key).
    pub fn add_key(&mut self, public_key: PublicKey) -> Promise {
        #[cfg(not(feature = "vulnerable"))]
        self.only_owner();
        log!("Adding full access key {:?}", public_key);
        Promise::new(env::current_account_id()).add_full_access_key(public_key)
    }

    pub fn remove_key(&mut self, public_key: PublicKey) -> Promise {
        self.only_owner();
        Promise::new(env::current_account_id()).delete_key(public_key)
    }

    pub fn set_daily_limit(&mut self, limit: U128) {
        self.only_owner();
        self.daily_limit = NearToken::from_yoctonear(limit.0);
    }

    pub fn get_owner(&self) -> AccountId {
        self.owner_id.clone()
    }
}

impl SmartWallet {
    fn only_owner(&self) {
        require!(env::predecessor_account_id() == self.owner_id, "Unauthorized");
    }
}
