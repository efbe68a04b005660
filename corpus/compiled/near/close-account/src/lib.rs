//! A time-boxed crowdfunding campaign. When it is over the creator closes it: the account is
//! deleted and its remaining balance goes to the beneficiary.
use near_sdk::json_types::U128;
use near_sdk::store::LookupMap;
use near_sdk::{env, log, near, require, AccountId, NearToken, PanicOnDefault, Promise};

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct Campaign {
    creator: AccountId,
    beneficiary: AccountId,
    deadline_ns: u64,
    goal: NearToken,
    raised: NearToken,
    donations: LookupMap<AccountId, NearToken>,
}

#[near]
impl Campaign {
    #[init]
    pub fn new(beneficiary: AccountId, goal: U128, deadline_ns: u64) -> Self {
        Self {
            creator: env::predecessor_account_id(),
            beneficiary,
            deadline_ns,
            goal: NearToken::from_yoctonear(goal.0),
            raised: NearToken::from_yoctonear(0),
            donations: LookupMap::new(b"d"),
        }
    }

    #[payable]
    pub fn donate(&mut self) {
        require!(env::block_timestamp() < self.deadline_ns, "Campaign is over");
        let donor = env::predecessor_account_id();
        let amount = env::attached_deposit();
        let previous = self.donations.get(&donor).copied().unwrap_or(NearToken::from_yoctonear(0));
        self.donations.insert(donor.clone(), previous.saturating_add(amount));
        self.raised = self.raised.saturating_add(amount);
        log!("Thank you {} for donating {}", donor, amount);
    }

    pub fn get_donation(&self, account_id: AccountId) -> U128 {
        U128(self.donations.get(&account_id).map(|d| d.as_yoctonear()).unwrap_or(0))
    }

    pub fn get_raised(&self) -> U128 {
        U128(self.raised.as_yoctonear())
    }

    /// Closes the campaign: deletes this account and sends everything left to the beneficiary.
    pub fn close(&mut self) -> Promise {
        #[cfg(not(feature = "vulnerable"))]
        require!(env::predecessor_account_id() == self.creator, "Only the creator can close the campaign");
        require!(env::block_timestamp() >= self.deadline_ns, "Campaign still running");
        log!("Closing campaign, raised {} of {}", self.raised, self.goal);
        Promise::new(env::current_account_id()).delete_account(self.beneficiary.clone())
    }
}
