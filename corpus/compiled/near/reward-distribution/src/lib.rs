//! Validator-style reward pool: stakers deposit NEAR, the operator periodically distributes the
//! pool's income pro rata, paying each staker directly.
use near_sdk::json_types::U128;
use near_sdk::store::IterableMap;
use near_sdk::{env, near, require, AccountId, NearToken, PanicOnDefault, Promise};

#[cfg(not(feature = "vulnerable"))]
const MAX_PAGE: u32 = 50;

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct RewardPool {
    operator: AccountId,
    stakes: IterableMap<AccountId, u128>,
    total_staked: u128,
}

#[near]
impl RewardPool {
    #[init]
    pub fn new(operator: AccountId) -> Self {
        Self { operator, stakes: IterableMap::new(b"s"), total_staked: 0 }
    }

    #[payable]
    pub fn stake(&mut self) {
        let amount = env::attached_deposit().as_yoctonear();
        require!(amount >= 10u128.pow(24), "Minimum stake is 1 NEAR");
        let stake = self.stakes.entry(env::predecessor_account_id()).or_insert(0);
        *stake += amount;
        self.total_staked += amount;
    }

    /// Pays `total_reward` out to every staker, proportionally to the stake.
    #[cfg(feature = "vulnerable")]
    pub fn distribute(&mut self, total_reward: U128) {
        require!(env::predecessor_account_id() == self.operator, "Operator only");
        require!(self.total_staked > 0, "Nothing staked");
        for (account, stake) in self.stakes.iter() {
            let share = total_reward.0 * stake / self.total_staked;
            if share > 0 {
                Promise::new(account.clone()).transfer(NearToken::from_yoctonear(share)).detach();
            }
        }
    }

    /// Pays `total_reward` out to one page of stakers, proportionally to the stake; the operator
    /// walks the pages with `from_index` across several transactions.
    #[cfg(not(feature = "vulnerable"))]
    pub fn distribute(&mut self, total_reward: U128, from_index: u32, limit: u32) -> u32 {
        require!(env::predecessor_account_id() == self.operator, "Operator only");
        require!(self.total_staked > 0, "Nothing staked");
        let limit = limit.min(MAX_PAGE);
        let mut paid = 0;
        for (account, stake) in self.stakes.iter().skip(from_index as usize).take(limit as usize) {
            let share = total_reward.0 * stake / self.total_staked;
            if share > 0 {
                Promise::new(account.clone()).transfer(NearToken::from_yoctonear(share)).detach();
            }
            paid += 1;
        }
        from_index + paid
    }

    pub fn stake_of(&self, account_id: AccountId) -> U128 {
        U128(self.stakes.get(&account_id).copied().unwrap_or(0))
    }

    pub fn num_stakers(&self) -> u32 {
        self.stakes.len()
    }
}
