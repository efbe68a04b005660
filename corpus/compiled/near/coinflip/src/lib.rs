//! Double-or-nothing coin flip against the house.
use near_sdk::json_types::U128;
use near_sdk::store::LookupMap;
use near_sdk::{env, log, near, require, AccountId, NearToken, PanicOnDefault, Promise};

const MAX_BET: NearToken = NearToken::from_near(5);

#[near(contract_state)]
#[derive(PanicOnDefault)]
pub struct CoinFlip {
    house: AccountId,
    wins: LookupMap<AccountId, u32>,
    games: u64,
}

#[near]
impl CoinFlip {
    #[init]
    pub fn new(house: AccountId) -> Self {
        Self { house, wins: LookupMap::new(b"w"), games: 0 }
    }

    fn coin_side() -> bool {
        #[cfg(feature = "vulnerable")]
        {
            (env::block_timestamp() + env::block_height()) % 2 == 0
        }
        #[cfg(not(feature = "vulnerable"))]
        {
            env::random_seed()[0] % 2 == 0
        }
    }

    /// Bet the attached deposit on `heads`; a win pays back twice the bet.
    #[payable]
    pub fn flip_coin(&mut self, heads: bool) -> Option<Promise> {
        let player = env::predecessor_account_id();
        let bet = env::attached_deposit();
        require!(bet > NearToken::from_yoctonear(0) && bet <= MAX_BET, "Bet must be between 0 and 5 NEAR");
        self.games += 1;
        let outcome = Self::coin_side();
        if outcome == heads {
            let wins = self.wins.entry(player.clone()).or_insert(0);
            *wins += 1;
            log!("{} won {}", player, bet);
            Some(Promise::new(player).transfer(bet.saturating_mul(2)))
        } else {
            log!("{} lost {}", player, bet);
            None
        }
    }

    pub fn wins_of(&self, account_id: AccountId) -> u32 {
        self.wins.get(&account_id).copied().unwrap_or(0)
    }

    pub fn house_withdraw(&mut self, amount: U128) -> Promise {
        require!(env::predecessor_account_id() == self.house, "House only");
        Promise::new(self.house.clone()).transfer(NearToken::from_yoctonear(amount.0))
    }
}
