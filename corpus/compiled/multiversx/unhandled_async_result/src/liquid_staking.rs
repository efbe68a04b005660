//! A liquid-staking front end: users send EGLD, the contract delegates it to
//! a staking provider (a delegation contract, possibly in another shard) with
//! an async call, and credits the user's stake.
//!
//! The stake is credited optimistically before the async call. With
//! `--features vulnerable` the callback only looks at the success case: when
//! the delegation fails (provider full, below minimum, out of gas...) the
//! EGLD comes back to this contract, but the user's credited stake and
//! `totalDelegated` stay as if the delegation had happened. The remediation
//! rolls the accounting back and refunds the user on
//! `ManagedAsyncCallResult::Err`.
#![no_std]

use multiversx_sc::imports::*;

#[multiversx_sc::contract]
pub trait LiquidStaking: multiversx_sc_modules::pause::PauseModule {
    #[init]
    fn init(&self, provider: ManagedAddress, min_delegation: BigUint) {
        self.provider().set(&provider);
        self.min_delegation().set(&min_delegation);
    }

    #[upgrade]
    fn upgrade(&self) {}

    #[payable("EGLD")]
    #[endpoint]
    fn delegate(&self) {
        self.require_not_paused();
        let amount = self.call_value().egld().clone();
        require!(amount >= self.min_delegation().get(), "below minimum delegation");
        let caller = self.blockchain().get_caller();

        self.user_stake(&caller).update(|stake| *stake += &amount);
        self.total_delegated().update(|total| *total += &amount);

        self.tx()
            .to(self.provider().get())
            .raw_call("delegate")
            .egld(&amount)
            .callback(self.callbacks().delegate_callback(caller, amount.clone()))
            .async_call_and_exit();
    }

    #[callback]
    fn delegate_callback(
        &self,
        user: ManagedAddress,
        amount: BigUint,
        #[call_result] result: ManagedAsyncCallResult<()>,
    ) {
        match result {
            ManagedAsyncCallResult::Ok(()) => {
                self.delegate_success_event(&user, &amount);
            }
            #[cfg(feature = "vulnerable")]
            ManagedAsyncCallResult::Err(_) => {}
            #[cfg(not(feature = "vulnerable"))]
            ManagedAsyncCallResult::Err(_) => {
                self.user_stake(&user).update(|stake| *stake -= &amount);
                self.total_delegated().update(|total| *total -= &amount);
                self.tx().to(&user).egld(&amount).transfer();
            }
        }
    }

    #[view(getUserStake)]
    #[storage_mapper("userStake")]
    fn user_stake(&self, user: &ManagedAddress) -> SingleValueMapper<BigUint>;

    #[view(getTotalDelegated)]
    #[storage_mapper("totalDelegated")]
    fn total_delegated(&self) -> SingleValueMapper<BigUint>;

    #[view(getProvider)]
    #[storage_mapper("provider")]
    fn provider(&self) -> SingleValueMapper<ManagedAddress>;

    #[storage_mapper("minDelegation")]
    fn min_delegation(&self) -> SingleValueMapper<BigUint>;

    #[event("delegateSuccess")]
    fn delegate_success_event(&self, #[indexed] user: &ManagedAddress, amount: &BigUint);
}
