#![no_std]
//! Quest rewards: the admin records completed quests, players claim their reward token.
use soroban_sdk::{contract, contractimpl, contracttype, token, Address, Env};

#[contracttype]
#[derive(Clone)]
pub enum DataKey {
    Admin,
    RewardToken,
    Reward(Address),
    Claimed(Address),
}

#[contract]
pub struct Quests;

#[contractimpl]
impl Quests {
    pub fn __constructor(env: Env, admin: Address, reward_token: Address) {
        env.storage().instance().set(&DataKey::Admin, &admin);
        env.storage().instance().set(&DataKey::RewardToken, &reward_token);
    }

    pub fn record(env: Env, player: Address, reward: i128) {
        let admin: Address = env.storage().instance().get(&DataKey::Admin).unwrap();
        admin.require_auth();
        let key = DataKey::Reward(player);
        let current: i128 = env.storage().persistent().get(&key).unwrap_or(0);
        env.storage().persistent().set(&key, &(current + reward));
    }

    pub fn claim(env: Env, player: Address) -> i128 {
        player.require_auth();
        let reward: i128 = env.storage().persistent().get(&DataKey::Reward(player.clone())).unwrap_or(0);
        assert!(reward > 0, "nothing to claim");
        let token: Address = env.storage().instance().get(&DataKey::RewardToken).unwrap();
        let client = token::TokenClient::new(&env, &token);

        #[cfg(feature = "vulnerable")]
        let _ = client.try_transfer(&env.current_contract_address(), &player, &reward);
        #[cfg(not(feature = "vulnerable"))]
        client.transfer(&env.current_contract_address(), &player, &reward);

        env.storage().persistent().remove(&DataKey::Reward(player.clone()));
        let claimed: i128 = env.storage().persistent().get(&DataKey::Claimed(player.clone())).unwrap_or(0);
        env.storage().persistent().set(&DataKey::Claimed(player), &(claimed + reward));
        reward
    }

    pub fn pending(env: Env, player: Address) -> i128 {
        env.storage().persistent().get(&DataKey::Reward(player)).unwrap_or(0)
    }
}
